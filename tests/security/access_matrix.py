"""The committed allow-list: for every route, method and role, the one answer it must get.

Keys are the resolver's route strings, so a URL added without an entry here fails
`test_every_url_pattern_has_an_entry_in_the_access_matrix`. The whole Django admin is the one entry `admin/`.

Answers: an HTTP status, `LOGIN` (302 to the staff login page) or `ADMIN_LOGIN` (302 to the admin's login page).
POSTs carry an empty body: a role that may act gets past the permission check and is told its input is
incomplete (400, or 302 back to the page with a message); a role that may not is refused before that.
"""

ROLES = (
    "anonymous",
    "tracking_holder",  # a customer holding the private tracking link of one demand, nothing else
    # The staff roles: signed in on the web, and each holding a read-only API token of its own, which acts with
    # the role's permissions (docs/roles.md).
    "analyst",
    "cio",
    "portfolio_manager",
    "staff_without_role",  # a staff account in no role group (made in the admin, never given a role)
    "api_reader",  # a non-staff user with a read-only API token and no web role, also logged in on the web
    "api_writer",  # a non-staff integration user with a read-write API token and no web role
    "superuser",
)
READ_TOKENS = ("analyst", "cio", "portfolio_manager", "staff_without_role", "api_reader", "superuser")
LOGIN = "login"
ADMIN_LOGIN = "admin-login"
ADMIN = "admin/"
WEB_STAFF = ("analyst", "cio", "portfolio_manager", "superuser")


def answers(default: int | str, **by_role: int | str) -> dict[str, int | str]:
    """`default` for every role, except those named."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


def staff_page(*allowed: str, code: int | str = 200) -> dict[str, int | str]:
    """Anonymous users (and link holders) go to login, the `allowed` roles get `code`, other users 403."""
    return answers(403, anonymous=LOGIN, tracking_holder=LOGIN, **dict.fromkeys(allowed, code))


def api(reader: int, writer: int, **by_role: int | str) -> dict[str, int | str]:
    """Only a token opens the API (a web session alone is a 401): `reader` for each read-only token, `writer` for
    the read-write one, except the roles named."""
    return answers(401, **{**dict.fromkeys(READ_TOKENS, reader), "api_writer": writer, **by_role})


EVERYONE_405 = answers(405)
TRIAGE_VIEWERS = ("analyst", "cio", "portfolio_manager", "superuser")
ESTIMATORS = ("analyst", "cio", "superuser")
DECIDERS = ("cio", "superuser")
WEBHOOK_MANAGERS = ("cio", "superuser")
PROJECT_MANAGERS = ("portfolio_manager", "superuser")
LOGGED_IN = ("analyst", "cio", "portfolio_manager", "staff_without_role", "api_reader", "api_writer", "superuser")
SIGNED_IN_PAGE = answers(200, anonymous=LOGIN, tracking_holder=LOGIN)
SIGNED_IN_LANDING = answers(302, anonymous=LOGIN, tracking_holder=LOGIN)
ONLY_THE_LINK = answers(404, tracking_holder=200)

MATRIX: dict[str, dict[str, dict[str, int | str]]] = {
    # Public pages.
    "": {"GET": answers(200), "POST": answers(200)},
    "requests/new/": {"GET": answers(200), "POST": answers(400)},
    "healthz": {"GET": answers(200), "POST": answers(200)},
    # The test client asks from 127.0.0.1, where the Prometheus scraper runs; from elsewhere only staff get in
    # (tests/core/test_metrics.py asks from other addresses).
    "metrics": {"GET": answers(200), "POST": answers(200)},
    # The audit trail is the CIO's.
    "audit/": {"GET": staff_page("cio", "superuser"), "POST": staff_page("cio", "superuser")},
    "readyz": {"GET": answers(200), "POST": answers(200)},
    # Where sign-in lands: each signed-in person is sent on to their role's starting page.
    "start/": {"GET": SIGNED_IN_LANDING, "POST": SIGNED_IN_LANDING},
    # The tracking link: its holder only; a wrong link is the same 404 for everyone, staff included.
    # "Lost your link?": public; an empty POST is told the address is missing (400), the same for everyone.
    "lost-link/": {"GET": answers(200), "POST": answers(400)},
    "track/<str:token>/": {"GET": ONLY_THE_LINK, "POST": answers(404, tracking_holder=400)},
    "track/<str:token>/submitted/": {"GET": ONLY_THE_LINK, "POST": ONLY_THE_LINK},
    "track/<str:token>/attachments/<int:attachment_id>/": {"GET": ONLY_THE_LINK, "POST": EVERYONE_405},
    # Customers' files: for the roles that deal with the customer, not the portfolio manager (docs/roles.md).
    "attachments/<int:attachment_id>/": {"GET": staff_page(*ESTIMATORS), "POST": EVERYONE_405},
    # Triage: reading is for the three roles; each action needs its own permission.
    "triage/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": staff_page(*TRIAGE_VIEWERS)},
    "triage/export.csv": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": staff_page(*TRIAGE_VIEWERS)},
    "triage/scoring-model/": {
        "GET": staff_page("analyst", "cio", "superuser"),
        # An empty POST is an unbound form: the page again, nothing saved.
        "POST": staff_page("cio", "superuser"),
    },
    # One version of the scoring model, read-only, for those who read the model.
    "triage/scoring-model/v<str:version>/": {
        "GET": staff_page("analyst", "cio", "superuser"),
        "POST": staff_page("analyst", "cio", "superuser"),
    },
    # Collapse or show the queue's charts: each viewer's own preference, then back to the queue.
    "triage/charts/": {"GET": EVERYONE_405, "POST": staff_page(*TRIAGE_VIEWERS, code=302)},
    "triage/decision-times/": {
        "GET": staff_page(*TRIAGE_VIEWERS),
        # Only the CIO sets targets; an empty POST is an unbound form: the page again, nothing saved.
        "POST": staff_page("cio", "superuser"),
    },
    "triage/capacity/": {
        "GET": staff_page(*TRIAGE_VIEWERS),
        # Only the CIO sets capacities; an empty POST is an unbound form: the page again, nothing saved.
        "POST": staff_page("cio", "superuser"),
    },
    "triage/<str:reference>/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": staff_page(*TRIAGE_VIEWERS)},
    # An incomplete estimate, decision or question: the demand page again with the form as typed (400).
    "triage/<str:reference>/estimate/": {"GET": EVERYONE_405, "POST": staff_page(*ESTIMATORS, code=400)},
    "triage/<str:reference>/decide/<str:outcome>/": {"GET": EVERYONE_405, "POST": staff_page(*DECIDERS, code=400)},
    "triage/<str:reference>/ask/": {"GET": EVERYONE_405, "POST": staff_page(*ESTIMATORS, code=400)},
    "triage/<str:reference>/reply/": {"GET": EVERYONE_405, "POST": staff_page(*ESTIMATORS, code=400)},
    "triage/<str:reference>/note/": {"GET": EVERYONE_405, "POST": staff_page(*TRIAGE_VIEWERS, code=400)},
    "triage/<str:reference>/rescore/": {"GET": EVERYONE_405, "POST": staff_page(*ESTIMATORS, code=302)},
    "triage/<str:reference>/customer/": {"GET": EVERYONE_405, "POST": staff_page(*ESTIMATORS, code=302)},
    # A demand's disclosure plan (issue 18): analysts and the CIO propose versions; the CIO alone signs or refuses.
    "triage/<str:reference>/disclosure/": {"GET": EVERYONE_405, "POST": staff_page(*ESTIMATORS, code=400)},
    "triage/<str:reference>/disclosure/sign-off/": {"GET": EVERYONE_405, "POST": staff_page(*DECIDERS, code=400)},
    "triage/<str:reference>/disclosure/refuse/": {"GET": EVERYONE_405, "POST": staff_page(*DECIDERS, code=400)},
    # GET is the link form with its preview of the score (issue 15, item 5); POST links or unlinks.
    "triage/<str:reference>/similar/<int:pk>/": {
        "GET": staff_page(*ESTIMATORS),
        "POST": staff_page(*ESTIMATORS, code=302),
    },
    # Ownership, saved views and bulk actions (issue 16): owners are set by who may change demands; every staff
    # role saves views and acts in bulk, each demand then checked against the action's own permission.
    "triage/<str:reference>/owner/": {"GET": EVERYONE_405, "POST": staff_page(*ESTIMATORS, code=302)},
    "triage/bulk/": {"GET": EVERYONE_405, "POST": staff_page(*TRIAGE_VIEWERS, code=400)},
    "triage/views/": {"GET": EVERYONE_405, "POST": staff_page(*TRIAGE_VIEWERS, code=302)},
    "triage/views/<int:view_id>/default/": {"GET": EVERYONE_405, "POST": staff_page(*TRIAGE_VIEWERS, code=302)},
    "triage/views/<int:view_id>/delete/": {"GET": EVERYONE_405, "POST": staff_page(*TRIAGE_VIEWERS, code=302)},
    # Notifications: each staff member's own.
    "notifications/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": staff_page(*TRIAGE_VIEWERS)},
    "notifications/<int:notification_id>/open/": {
        "GET": EVERYONE_405,
        "POST": staff_page(*TRIAGE_VIEWERS, code=302),
    },
    "notifications/read-all/": {"GET": EVERYONE_405, "POST": staff_page(*TRIAGE_VIEWERS, code=302)},
    "notifications/settings/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": staff_page(*TRIAGE_VIEWERS, code=400)},
    # Portfolio: every staff role reads; the CIO approves; portfolio managers update projects.
    "portfolio/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": staff_page(*TRIAGE_VIEWERS)},
    "portfolio/approve/<str:reference>/": {"GET": EVERYONE_405, "POST": staff_page(*DECIDERS, code=400)},
    # The portfolio as CSV, and whether approved demands paid off: read-only, for every staff role.
    "portfolio/export.csv": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": EVERYONE_405},
    "portfolio/calibration/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": EVERYONE_405},
    # Account managers' view of customers: read-only pages for every staff role.
    "portfolio/services/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": EVERYONE_405},
    "portfolio/services/<int:service_id>/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": EVERYONE_405},
    # A service's cost per unit is recorded by its production team (portfolio managers hold RECORD_UNIT_COST).
    "portfolio/services/<int:service_id>/unit-costs/": {
        "GET": EVERYONE_405,
        "POST": staff_page(*PROJECT_MANAGERS, code=400),
    },
    "portfolio/customers/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": EVERYONE_405},
    "portfolio/customers/<int:customer_id>/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": EVERYONE_405},
    "portfolio/customers/<int:customer_id>/export.csv": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": EVERYONE_405},
    "portfolio/<str:code>/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": staff_page(*TRIAGE_VIEWERS)},
    "portfolio/<str:code>/updates/": {"GET": EVERYONE_405, "POST": staff_page(*PROJECT_MANAGERS, code=302)},
    "portfolio/<str:code>/milestones/": {"GET": EVERYONE_405, "POST": staff_page(*PROJECT_MANAGERS, code=302)},
    "portfolio/<str:code>/milestones/<int:pk>/": {
        "GET": EVERYONE_405,
        "POST": staff_page(*PROJECT_MANAGERS, code=302),
    },
    "portfolio/<str:code>/progress/": {"GET": EVERYONE_405, "POST": staff_page(*PROJECT_MANAGERS, code=302)},
    # Realized revenue: an empty POST is the project page again with the field errors (400).
    "portfolio/<str:code>/revenue/": {"GET": EVERYONE_405, "POST": staff_page(*PROJECT_MANAGERS, code=400)},
    # Handovers to partners (issue 18): every staff role reads the exposure register (partners.view_partner);
    # portfolio managers and the CIO record a handover (an empty POST is the project page with field errors).
    "portfolio/exposure/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": EVERYONE_405},
    "portfolio/<str:code>/handovers/": {
        "GET": EVERYONE_405,
        "POST": staff_page("cio", *PROJECT_MANAGERS, code=400),
    },
    # The language switcher (Django's set_language): anyone may choose a language; GET changes nothing and
    # only redirects (tests/security/test_get_changes_nothing.py), POST sets the cookie and redirects back.
    "i18n/setlang/": {"GET": answers(302), "POST": answers(302)},
    # The time zone chooser: anyone may choose; an empty POST is the form again with its error (400).
    "time-zone/": {"GET": answers(200), "POST": answers(400)},
    # Webhooks are the CIO's: registering a receiver sends triage data out of the house.
    # The partner register (issue 18): every staff role reads it; analysts and the CIO enter partners and components.
    "partners/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": EVERYONE_405},
    "partners/new/": {"GET": EVERYONE_405, "POST": staff_page(*ESTIMATORS, code=400)},
    "partners/<int:partner_id>/agreements/": {"GET": EVERYONE_405, "POST": staff_page(*ESTIMATORS, code=400)},
    "partners/components/": {"GET": staff_page(*TRIAGE_VIEWERS), "POST": staff_page(*ESTIMATORS, code=400)},
    "webhooks/": {"GET": staff_page(*WEBHOOK_MANAGERS), "POST": staff_page(*WEBHOOK_MANAGERS, code=400)},
    "webhooks/<int:endpoint_id>/": {"GET": staff_page(*WEBHOOK_MANAGERS), "POST": EVERYONE_405},
    "webhooks/<int:endpoint_id>/events/": {"GET": EVERYONE_405, "POST": staff_page(*WEBHOOK_MANAGERS, code=302)},
    "webhooks/<int:endpoint_id>/pause/": {"GET": EVERYONE_405, "POST": staff_page(*WEBHOOK_MANAGERS, code=302)},
    "webhooks/<int:endpoint_id>/resume/": {"GET": EVERYONE_405, "POST": staff_page(*WEBHOOK_MANAGERS, code=302)},
    "webhooks/<int:endpoint_id>/deactivate/": {"GET": EVERYONE_405, "POST": staff_page(*WEBHOOK_MANAGERS, code=302)},
    # The new secret is shown once, in the answer to the POST.
    "webhooks/<int:endpoint_id>/rotate-secret/": {"GET": EVERYONE_405, "POST": staff_page(*WEBHOOK_MANAGERS)},
    "webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/": {
        "GET": EVERYONE_405,
        "POST": staff_page(*WEBHOOK_MANAGERS, code=302),
    },
    # Sign in and out.
    "accounts/login/": {
        "GET": answers(200, **dict.fromkeys(LOGGED_IN, 302)),
        "POST": answers(200, **dict.fromkeys(LOGGED_IN, 302)),
    },
    "accounts/logout/": {"GET": EVERYONE_405, "POST": answers(302)},
    # Single sign-on: off in this world (no OIDC_RP_CLIENT_ID), so not found; tests/sso/ runs it for real.
    "oidc/authenticate/": {"GET": answers(404), "POST": EVERYONE_405},
    "oidc/callback/": {"GET": answers(404), "POST": EVERYONE_405},
    # Local passwords: anyone signed in changes their own (an empty POST is the form again with its errors);
    # anyone may ask for a reset link, which tells nobody whether the address has an account.
    "accounts/password/change/": {"GET": SIGNED_IN_PAGE, "POST": SIGNED_IN_PAGE},
    "accounts/password/change/done/": {
        "GET": SIGNED_IN_PAGE,
        "POST": answers(405, anonymous=LOGIN, tracking_holder=LOGIN),
    },
    "accounts/password/reset/": {"GET": answers(200), "POST": answers(200)},
    "accounts/password/reset/sent/": {"GET": answers(200), "POST": EVERYONE_405},
    # A made-up link: the page says it no longer works, to everyone.
    "accounts/password/reset/<uidb64>/<token>/": {"GET": answers(200), "POST": answers(200)},
    "accounts/password/reset/done/": {"GET": answers(200), "POST": EVERYONE_405},
    # The admin is for superusers only: staff roles change data through the pages, which record every change.
    ADMIN: {"GET": answers(ADMIN_LOGIN, superuser=200)},
    # The API: tokens only; read-only tokens never write; a demand is for the token of a staff role that reads
    # demands (a staff account without a role is refused, as on the pages).
    "api/v1/requests/": {"GET": api(405, 405), "POST": api(403, 400)},
    "api/v1/^requests/(?P<reference>[A-Za-z0-9-]{1,20})/$": {
        "GET": api(403, 403, **dict.fromkeys(TRIAGE_VIEWERS, 200)),
        "POST": api(403, 403),
    },
    # A score's components and the queue are triage's: staff tokens whose role reads triage.
    "api/v1/^requests/(?P<reference>[A-Za-z0-9-]{1,20})/score/$": {
        "GET": api(403, 403, **dict.fromkeys(TRIAGE_VIEWERS, 404)),  # the world's demand has no score yet
        "POST": api(403, 403),
    },
    "api/v1/queue/": {"GET": api(403, 403, **dict.fromkeys(TRIAGE_VIEWERS, 200)), "POST": api(403, 403)},
    "api/v1/services/": {"GET": api(200, 200), "POST": api(403, 405)},
    "api/v1/^services/(?P<service_id>[^/]+)/unit-costs/$": {
        "GET": api(403, 403, **dict.fromkeys(TRIAGE_VIEWERS, 200)),
        "POST": api(403, 403),
    },
    "api/v1/portfolio/summary/": {"GET": api(200, 200), "POST": api(403, 405)},
    # The partner register, a demand's disclosure plans, handovers and the exposure register: staff tokens whose
    # role reads partners (issue 18).
    **{
        route: {"GET": api(403, 403, **dict.fromkeys(TRIAGE_VIEWERS, 200)), "POST": api(403, 403)}
        for route in (
            "api/v1/partners/",
            "api/v1/^requests/(?P<reference>[A-Za-z0-9-]{1,20})/disclosure-plans/$",
            "api/v1/handovers/",
            "api/v1/exposure/",
        )
    },
    "api/v1/^projects/$": {"GET": api(200, 200), "POST": api(403, 405)},
    "api/v1/^projects\\.(?P<format>[a-z0-9]+)/?$": {"GET": api(200, 200), "POST": api(403, 405)},
    "api/v1/^projects/(?P<code>[A-Za-z0-9-]{1,12})/$": {"GET": api(200, 200), "POST": api(403, 405)},
    "api/v1/^projects/(?P<code>[A-Za-z0-9-]{1,12})\\.(?P<format>[a-z0-9]+)/?$": {
        "GET": api(200, 200),
        "POST": api(403, 405),
    },
    "api/v1/^projects/changes/$": {"GET": api(200, 200), "POST": api(403, 405)},
    "api/v1/^projects/changes\\.(?P<format>[a-z0-9]+)/?$": {"GET": api(200, 200), "POST": api(403, 405)},
    # Webhook endpoints through the API: only a token of the `webhooks` scope (none here) of a webhook manager.
    **{
        f"api/v1/webhooks/endpoints/{tail}": {"GET": api(403, 403), "POST": api(403, 403)}
        for tail in (
            "",
            "<int:endpoint_id>/",
            "<int:endpoint_id>/pause/",
            "<int:endpoint_id>/resume/",
            "<int:endpoint_id>/rotate-secret/",
            "<int:endpoint_id>/ping/",
            "<int:endpoint_id>/deliveries/",
            "<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        )
    },
    "api/v1/^.*$": {"GET": answers(404), "POST": answers(404)},
    # The schema and its docs are public: they describe the API, they open nothing.
    "api/schema/": {"GET": answers(200), "POST": answers(405)},
    "api/docs/": {"GET": answers(200), "POST": answers(405)},
    "api/redoc/": {"GET": answers(200), "POST": answers(405)},
}
