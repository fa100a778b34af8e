"""Staff pages of triage in French: the queue, a demand's page and the scoring model follow Accept-Language.

The English pages must stay word for word what they were (other tests and people read them); the French ones
must not leak the English headings, buttons and table headers they replace.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import file_demand
from tests.intake.test_i18n import po_entries
from triage.models import ScoringModel

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
PO_FILE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
STAFF_TEMPLATES = (
    "triage/templates/triage/queue.html",
    "triage/templates/triage/detail.html",
    "triage/templates/triage/scoring_model.html",
)

# (English, French) pairs of headings, buttons, links, table headers and form labels, page by page (French puts a
# no-break space before a label's colon).
QUEUE = [
    ("<h1>Triage queue</h1>", "<h1>File de tri</h1>"),
    (">Apply filters</button>", ">Appliquer les filtres</button>"),
    (">Export CSV</a>", ">Exporter en CSV</a>"),
    (">Decision times</a>", ">Délais de décision</a>"),
    (">Revenue at stake", ">Chiffre d’affaires en jeu"),
    (">IT cost", ">Coût informatique"),
    ('aria-label="Filter the queue"', 'aria-label="Filtrer la file"'),
    ("1</span> demand\n", "1</span> demande\n"),
]
DETAIL = [
    ('<h2 id="score-heading">Score ', '<h2 id="score-heading">Note '),
    ('<h2 id="demand-heading">The demand</h2>', '<h2 id="demand-heading">La demande</h2>'),
    ('<h2 id="history-heading">Score history</h2>', '<h2 id="history-heading">Historique de la note</h2>'),
    ('<h2 id="decide-heading">Decide</h2>', '<h2 id="decide-heading">Décider</h2>'),
    (
        '<button type="submit" class="primary">Approve</button>',
        '<button type="submit" class="primary">Approuver</button>',
    ),
    ('<button type="submit" class="danger">Reject</button>', '<button type="submit" class="danger">Refuser</button>'),
    ('<button type="submit">Save estimate</button>', '<button type="submit">Enregistrer l’estimation</button>'),
    ('<th scope="col">Component</th>', '<th scope="col">Composante</th>'),
    ('<aside aria-label="Actions">', '<aside aria-label="Actions">'),
    ("Waterfall of the score components, adding up to", "Cascade des composantes de la note, dont la somme fait"),
    (">Build effort (person-days):</label>", ">Effort de réalisation (jours-personnes)\u00a0:</label>"),
]
SCORING_MODEL = [
    ("<h1>Scoring model v1</h1>", "<h1>Modèle de notation v1</h1>"),
    ('<h2 id="weights-heading">Weights and thresholds</h2>', '<h2 id="weights-heading">Poids et seuils</h2>'),
    ('<h2 id="versions-heading">Versions</h2>', '<h2 id="versions-heading">Versions</h2>'),
    (">Save as v2 and rescore</button>", ">Enregistrer en v2 et renoter</button>"),
    (">Preview</button>", ">Aperçu</button>"),
    (">Return on IT cost weight:</label>", ">Poids du retour sur coût informatique\u00a0:</label>"),
    (">Review threshold:</label>", ">Seuil d’examen\u00a0:</label>"),
]


@pytest.fixture
def scored_demand(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand()
    demand.refresh_from_db()
    assert demand.score is not None  # scored, so the page shows the waterfall and the breakdown
    return demand


def page(client: Client, name: str, demand, headers: dict) -> str:
    url = {"queue": "/triage/", "detail": f"/triage/{demand.reference}/", "scoring_model": "/triage/scoring-model/"}
    response = client.get(url[name], **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("page_name, pairs", [("queue", QUEUE), ("detail", DETAIL), ("scoring_model", SCORING_MODEL)])
def test_a_french_browser_gets_the_staff_pages_in_french_and_an_english_one_in_english(
    client: Client, cio, scored_demand, page_name, pairs
):
    client.force_login(cio)
    french = page(client, page_name, scored_demand, FRENCH)
    english = page(client, page_name, scored_demand, ENGLISH)
    assert '<html lang="fr">' in french and '<html lang="en">' in english
    for english_text, french_text in pairs:
        assert french_text in french, french_text
        assert english_text in english, english_text
        if english_text != french_text:
            assert english_text not in french, english_text
            assert french_text not in english, french_text


def test_messages_and_refusals_of_triage_follow_the_language(client: Client, cio, scored_demand):
    """What the views and services say after a POST: a form error, a refusal and a success, in French."""
    client.force_login(cio)
    url = f"/triage/{scored_demand.reference}/decide/rejected/"
    page = client.post(url, {"reject-rationale": "", "reject-customer_message": ""}, follow=True, **FRENCH)
    assert "Rien n’a été décidé : Justification" in page.content.decode()

    active = ScoringModel.objects.get(is_active=True)
    weights = {name: str(getattr(active, name)) for name in ScoringModel.WEIGHT_FIELDS}
    page = client.post("/triage/scoring-model/", {**weights, "note": "v2"}, follow=True, **FRENCH)
    assert "Le modèle v2 est actif ; toutes les demandes ouvertes sont en cours de renotation." in page.content.decode()

    page = client.post(url, {"reject-rationale": "", "reject-customer_message": ""}, follow=True, **ENGLISH)
    assert "Nothing was decided: Rationale: This field is required." in page.content.decode()


def test_every_string_of_the_three_staff_pages_has_a_french_translation():
    """Headings, buttons, table headers and messages of the queue, demand and scoring-model pages: none left empty."""
    entries = [
        entry for entry in po_entries(PO_FILE) if any(reference in STAFF_TEMPLATES for reference in entry["references"])
    ]
    assert len(entries) > 100
    assert [entry["msgid"] for entry in entries if entry["fuzzy"] or not all(entry["msgstr"])] == []
