"""Layout and language guards over every HTML page of the resolver, in headless Chromium, on the demo data.

Each page is opened once per language (by the role that uses it, as the accessibility audit chooses) at 1366 px,
then resized to a phone's 390 px, and measured at both widths:

- overflow: nothing sticks out sideways (`scrollWidth <= innerWidth`); a wide table scrolls inside its own box;
- labels: every visible form control has a label whose box sits directly above or beside it, and no other
  control sits nearer to that label;
- charts: every SVG text's box lies inside its chart's viewBox, and no chart text is drawn under 12 px;
- french: on a French page no element reads as an English msgid of the catalogue.

The pages are crawled once for the module (one browser, one tab per role), and each (guard, width, language)
is its own test so a known defect can be marked alone. Every page's screenshot goes to test-artifacts/guards/
(git-ignored) for a reviewer to flip through.
"""

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from intake.models import ChangeRequest
from tests.e2e.browsing import WIDEST
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_accessibility import (
    DEMO_APPROVED,
    DEMO_REJECTED,
    THIRD_PARTY_REGIONS,
    Browsers,
    Visit,
    demo_token,
    route_visits,
)

# The crawl (every page, two languages, two widths) runs in whichever test asks for it first.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

GUARDS = ("overflow", "labels", "charts", "french")
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
LANGUAGES = ("en", "fr")
SHOTS = ARTIFACTS / "guards"

# The demand page whose waterfall carries the longest component name (the security penalty), crawled apart.
SECURITY_WATERFALL = "/triage/<a demand with the security penalty>/"

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
# At desktop width nothing should need its own sideways scroll either: a table cut at 1366 px hides its last
# columns (the queue's Status and flags). On a phone, a wide table scrolling inside its box is the design.
SCROLLED = """() => [...document.querySelectorAll('body *')].filter((element) => {
    const style = getComputedStyle(element);
    return ['auto', 'scroll'].includes(style.overflowX) && element.clientWidth > 0
      && element.scrollWidth > element.clientWidth + 1;
  }).map((element) => `${element.tagName.toLowerCase()}.${element.className} scrolls sideways: `
    + `${element.scrollWidth - element.clientWidth} px of ${element.scrollWidth} hidden`)"""

# A control's label: <label for>, a wrapping <label>, or aria-labelledby. Directly above: the label's bottom
# within 40 px over the control's top (plus the height of the control's own help text, aria-describedby, when it
# sits between them), overlapping it sideways, with no other control in between. Beside:
# within 40 px left or right on the same line, no other control in between. A label that wraps the control
# (a checkbox and its text) is beside it by construction.
LABELS = """() => {
  // checkVisibility(): a control inside a closed <details> keeps a layout box but is not shown (nor its help).
  const visible = (el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && box.right + window.scrollX > 0 && style.visibility !== 'hidden'
      && style.display !== 'none' && el.checkVisibility();
  };
  const controls = [...document.querySelectorAll('input, select, textarea')].filter((el) =>
    !['hidden', 'submit', 'button', 'reset', 'image'].includes((el.type || '').toLowerCase()) && visible(el));
  const name = (el) => `${el.tagName.toLowerCase()}[name=${el.name || el.id}]`;
  const boxes = new Map(controls.map((el) => [el, el.getBoundingClientRect()]));
  const overlapX = (a, b) => a.left < b.right - 1 && a.right > b.left + 1;
  const overlapY = (a, b) => a.top < b.bottom - 1 && a.bottom > b.top + 1;
  const between = (control, test) => controls.some((other) => other !== control && test(boxes.get(other)));
  const placed = (label, control) => {
    if (label.contains(control)) return true;
    const l = label.getBoundingClientRect(), c = boxes.get(control);
    if (l.width === 0 || l.height === 0) return false;
    const help = (control.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)).filter(Boolean).map((element) => element.getBoundingClientRect())
      .filter((box) => box.top >= l.bottom - 2 && box.bottom <= c.top + 2)
      .reduce((sum, box) => sum + box.height, 0);
    const above = c.top - l.bottom >= -2 && c.top - l.bottom <= 40 + help && overlapX(l, c)
      && !between(control, (o) => overlapX(l, o) && o.top >= l.bottom - 2 && o.bottom <= c.top + 2);
    const left = c.left - l.right >= -2 && c.left - l.right <= 40 && overlapY(l, c)
      && !between(control, (o) => overlapY(l, o) && o.left >= l.right - 2 && o.right <= c.left + 2);
    const right = l.left - c.right >= -2 && l.left - c.right <= 40 && overlapY(l, c)
      && !between(control, (o) => overlapY(l, o) && o.left >= c.right - 2 && o.right <= l.left + 2);
    return above || left || right;
  };
  const problems = [];
  for (const control of controls) {
    const labels = [...(control.labels || [])];
    for (const id of (control.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)) {
      const element = document.getElementById(id);
      if (element) labels.push(element);
    }
    if (!labels.length) { problems.push(`${name(control)} has no label`); continue; }
    if (!labels.some((label) => placed(label, control))) {
      const text = labels.map((label) => label.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40)).join(' / ');
      const at = (b) => `${Math.round(b.left)},${Math.round(b.top)} ${Math.round(b.width)}×${Math.round(b.height)}`;
      problems.push(`${name(control)} at ${at(boxes.get(control))}: its label "${text}" at `
        + `${at(labels[0].getBoundingClientRect())} is not directly above or beside it`);
    }
  }
  return problems;
}"""

# Each chart text's box, in its <svg>'s user units, against the viewBox; and its size as drawn on screen.
CHARTS = """() => {
  const problems = [];
  for (const svg of document.querySelectorAll('svg[viewBox]')) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const view = svg.viewBox.baseVal, screen = svg.getScreenCTM();
    if (!screen) continue;
    const toSvg = screen.inverse();
    const chart = svg.getAttribute('aria-label') || svg.id || svg.parentElement.className;
    for (const text of svg.querySelectorAll('text')) {
      const content = text.textContent.trim();
      if (!content || text.getClientRects().length === 0) continue;
      const b = text.getBBox(), matrix = toSvg.multiply(text.getScreenCTM());
      const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]]
        .map(([x, y]) => new DOMPoint(x, y).matrixTransform(matrix));
      const xs = corners.map((p) => p.x), ys = corners.map((p) => p.y);
      if (Math.min(...xs) < view.x - 0.5 || Math.max(...xs) > view.x + view.width + 0.5
          || Math.min(...ys) < view.y - 0.5 || Math.max(...ys) > view.y + view.height + 0.5) {
        problems.push(`"${content.slice(0, 40)}" in ${chart} is clipped by the viewBox`);
      }
      const drawn = parseFloat(getComputedStyle(text).fontSize) * Math.hypot(text.getScreenCTM().a,
        text.getScreenCTM().b);
      if (drawn < 11.95) problems.push(`"${content.slice(0, 40)}" in ${chart} is drawn at ${drawn.toFixed(1)} px`);
    }
  }
  return problems;
}"""

# The text of each element (its own text nodes, joined) and the words people read in attributes.
TEXTS = """(skipped) => {
  const texts = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT);
  for (let element = walker.currentNode; element; element = walker.nextNode()) {
    if (['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(element.tagName)) continue;
    if (skipped.some((selector) => element.closest(selector))) continue;
    const own = [...element.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent).join(' ').replace(/\\s+/g, ' ').trim();
    if (own) texts.add(own);
    for (const attribute of ['placeholder', 'title', 'aria-label', 'alt']) {
      const value = element.getAttribute(attribute);
      if (value) texts.add(value.replace(/\\s+/g, ' ').trim());
    }
    if (element.tagName === 'INPUT' && ['submit', 'button'].includes(element.type)) texts.add(element.value);
  }
  return [...texts];
}"""


def catalogue_entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of each entry of a .po file (a plural entry gives its singular and msgstr[0])."""
    entries: list[tuple[str, str, bool]] = []
    current: dict[str, str | None] = {"flags": "", "msgid": None, "msgstr": None}
    last = None

    def close() -> None:
        if current["msgid"]:
            entries.append((current["msgid"], current["msgstr"] or "", "fuzzy" in (current["flags"] or "")))
        current.update(flags="", msgid=None, msgstr=None)

    for raw in po.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if current["msgstr"] is not None:
                close()
            if line.startswith("#,"):
                current["flags"] = (current["flags"] or "") + line
            last = None
            continue
        if line.startswith('"'):
            if last:
                current[last] = (current[last] or "") + ast.literal_eval(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid" and current["msgstr"] is not None:
            close()
        last = {"msgid": "msgid", "msgstr": "msgstr", "msgstr[0]": "msgstr"}.get(keyword)
        if last:
            current[last] = ast.literal_eval(rest)
    close()
    return entries


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|%[sd]|\{[a-z_]*\}")


def english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """The catalogue's msgids whose French differs, as patterns for a whole element text (placeholders: any)."""
    patterns = []
    po = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    for msgid, msgstr, _fuzzy in catalogue_entries(po):
        if msgstr == msgid or len(msgid) < 4:
            continue
        text = re.sub(r"\s+", " ", msgid).strip().rstrip(":")
        parts = PLACEHOLDER.split(text)
        words = re.findall(r"[A-Za-z]{2,}", " ".join(parts))
        if not words or (len(parts) > 1 and len(words) < 2):
            continue  # too little English to tell ("%(counter)s attempt" would match "Next attempt")
        pattern = ".+?".join(re.escape(part) for part in parts)
        patterns.append((msgid, re.compile(rf"^{pattern}:?$")))
    return patterns


@dataclass
class Crawl:
    """What each guard found, by (guard, width, language), then by page path."""

    found: dict[tuple[str, str, str], dict[str, list[str]]] = field(default_factory=dict)
    paths: set[str] = field(default_factory=set)

    def add(self, guard: str, width: str, language: str, path: str, problems: list[str]) -> None:
        if problems:
            self.found.setdefault((guard, width, language), {})[path] = problems


def guard_visits(language: str) -> list[Visit]:
    visits, missing = route_visits(language)
    assert missing == [], "give these routes a sample argument in test_accessibility.sample_kwargs()"
    tracking = [
        Visit("tracking_holder", f"/track/{demo_token(index)}/", label="tracking")
        for index in (DEMO_APPROVED, DEMO_REJECTED)
    ]
    # A demand whose score carries the security penalty: its waterfall has the longest component label.
    penalized = ChangeRequest.objects.filter(risk_security=True, assessments__isnull=False).order_by("pk").first()
    assert penalized is not None, "the demo data has a scored demand that touches security"
    waterfall = [Visit("cio", reverse("triage:detail", args=[penalized.reference]), label="security penalty")]
    return visits + tracking + waterfall


def measure(page, language: str, width: str, patterns, path: str) -> dict[str, list[str]]:
    overflow = page.evaluate(OVERFLOW)
    found = {
        "overflow": ([f"{overflow} px too wide: {page.evaluate(WIDEST)}"] if overflow > 0 else [])
        + (page.evaluate(SCROLLED) if width == "desktop" else []),
        "labels": page.evaluate(LABELS),
        "charts": page.evaluate(CHARTS),
        "french": [],
    }
    if language == "fr":
        # Swagger UI's own English (and the API's, which it documents) is third-party text, as in the audit.
        texts = page.evaluate(TEXTS, THIRD_PARTY_REGIONS.get(path, []))
        found["french"] = sorted(
            {
                f'"{text[:60]}" (msgid "{msgid[:60]}")'
                for text in texts
                for msgid, regex in patterns
                if regex.match(text)
            }
        )
    return found


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:80] or "home"


@pytest.fixture(scope="module")
def crawl(django_db_setup, django_db_blocker, browser, live_server) -> Crawl:
    """Seed the demo, open every page in both languages at both widths, measure, then leave the database empty."""
    from core.roles import roles_ensure
    from triage.services import scoring_model_ensure_default

    SHOTS.mkdir(parents=True, exist_ok=True)
    result = Crawl()
    patterns = english_patterns()
    with django_db_blocker.unblock():
        roles_ensure()
        scoring_model_ensure_default()
        call_command("seed_demo", force=True, verbosity=0)
        try:
            for language in LANGUAGES:
                browsers = Browsers(browser, live_server.url, language)
                try:
                    for visit in guard_visits(language):
                        page = browsers.page_for(visit.role)
                        page.set_viewport_size({"width": WIDTHS["desktop"][0], "height": WIDTHS["desktop"][1]})
                        response = page.goto(live_server.url + visit.path)
                        assert response is not None and response.status == 200, visit.path
                        if page.locator("script[src]").count():
                            page.wait_for_load_state("networkidle")
                        key = SECURITY_WATERFALL if visit.label == "security penalty" else visit.path
                        result.paths.add(key)
                        for width, (wide, high) in WIDTHS.items():
                            page.set_viewport_size({"width": wide, "height": high})
                            name = f"{language}-{wide}-{slug(visit.path)}-{visit.role}.png"
                            page.screenshot(path=str(SHOTS / name), full_page=True)
                            for guard, problems in measure(page, language, width, patterns, visit.path).items():
                                result.add(guard, width, language, key, problems)
                finally:
                    browsers.close()
        finally:
            call_command("flush", interactive=False, verbosity=0)
            roles_ensure()
            scoring_model_ensure_default()
    report = {"-".join(key): pages for key, pages in sorted(result.found.items())}
    (SHOTS / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return result


def guard_cases():
    for guard in GUARDS:
        for width in WIDTHS:
            for language in LANGUAGES:
                if guard == "french" and language == "en":
                    continue
                yield pytest.param(guard, width, language, id=f"{guard}-{width}-{language}")


@pytest.mark.parametrize(("guard", "width", "language"), list(guard_cases()))
def test_every_page_passes_the_guard(crawl, guard, width, language):
    problems = crawl.found.get((guard, width, language), {})
    report = "\n".join(f"{path}:\n  " + "\n  ".join(found) for path, found in problems.items())
    assert problems == {}, f"{guard} at {width} in {language}, {len(problems)} page(s):\n{report}"


def test_the_crawl_covers_the_queue_the_form_and_a_tracking_page(crawl):
    assert "/triage/" in crawl.paths and "/requests/new/" in crawl.paths
    assert "/triage/scoring-model/" in crawl.paths and SECURITY_WATERFALL in crawl.paths
    assert any(path.startswith("/track/") for path in crawl.paths)
    assert len(list(SHOTS.glob("fr-390-*.png"))) >= len({p for p in crawl.paths if p.startswith("/track/")})


def test_the_french_catalogue_has_no_empty_or_fuzzy_entry():
    po = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    entries = catalogue_entries(po)
    assert len(entries) > 100
    empty = [msgid for msgid, msgstr, _fuzzy in entries if not msgstr]
    fuzzy = [msgid for msgid, _msgstr, is_fuzzy in entries if is_fuzzy]
    assert empty == [] and fuzzy == []
