"""Similar demands: earlier demands on the same product with close wording (trigrams on PostgreSQL, words elsewhere).

Two thresholds, both must hold: the wording as a whole (title 60 %, description 40 %), and the title on its own.
The title names the need; descriptions share boilerplate ("Our team does this by hand today..."), which alone
once made "Dark mode for the patient app" a candidate for "HL7 FHIR export of patient records" (titles 0.16 in
trigrams, 0.13 in words; the shared description carried the rest). The examples that fix the title thresholds
are in tests/intake/test_similarity.py: close needs sit well above them, unrelated ones well below.
"""

from django.db import connection, transaction
from django.db.models import Value

from intake.models import ChangeRequest, SimilarDemand

SIMILARITY_THRESHOLD = 0.35
SIMILARITY_WINDOW = 500
_STOPWORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "this",
        "to",
        "we",
        "with",
        "will",
        "would",
        "should",
        "could",
        "can",
        "need",
        "needs",
        "please",
    )
)


def _words(text: str) -> frozenset[str]:
    return frozenset(
        word
        for word in "".join(c if c.isalnum() else " " for c in text.lower()).split()
        if len(word) > 2 and word not in _STOPWORDS
    )


def _jaccard(left: str, right: str) -> float:
    left_words, right_words = _words(left), _words(right)
    if not left_words or not right_words:
        return 0.0
    return len(left_words & right_words) / len(left_words | right_words)


def wording_similarity(left: tuple[str, str], right: tuple[str, str]) -> float:
    """0 (nothing shared) to 1 (same words): Jaccard of significant words, the title weighing 60 %."""
    return 0.6 * _jaccard(left[0], right[0]) + 0.4 * _jaccard(left[1], right[1])


# Trigram similarity of close wordings is lower than their word overlap; 0.3 is pg_trgm's own default.
TRIGRAM_THRESHOLD = 0.3
# The titles alone. Trigrams: "Nightly export of invoices to SAP" ~ "Export invoices to SAP every night" 0.70,
# "Power BI connector for the data hub" ~ "... for our reporting team" 0.43, "FHIR export of lab results" ~
# "HL7 FHIR export of patient records" 0.38; against "Dark mode for the patient app" ~ "HL7 FHIR export of patient
# records" 0.16 and "GDPR data-subject export in one click" ~ the same 0.12. Words (Jaccard): 0.50, 0.33 and
# 0.29 against 0.13 and 0.13.
TITLE_TRIGRAM_THRESHOLD = 0.3
TITLE_WORDS_THRESHOLD = 0.25


def _similar_candidates_trigram(demand: ChangeRequest) -> list[tuple[int, float]]:
    """Earlier demands on the same product ranked by pg_trgm similarity, computed in PostgreSQL."""
    from django.contrib.postgres.search import TrigramSimilarity
    from django.db.models import FloatField
    from django.db.models.functions import Left

    window = ChangeRequest.objects.filter(product_id=demand.product_id, pk__lt=demand.pk).order_by("-pk")
    earlier_ids = window.values("pk")[:SIMILARITY_WINDOW]
    similarity = Value(0.6, output_field=FloatField()) * TrigramSimilarity("title", demand.title) + Value(
        0.4, output_field=FloatField()
    ) * TrigramSimilarity(Left("description", 2000), demand.description[:2000])
    rows = (
        ChangeRequest.objects.filter(pk__in=earlier_ids)
        .annotate(similarity=similarity, title_similarity=TrigramSimilarity("title", demand.title))
        .filter(similarity__gte=TRIGRAM_THRESHOLD, title_similarity__gte=TITLE_TRIGRAM_THRESHOLD)
        .order_by("-similarity", "-pk")
        .values_list("pk", "similarity")[:10]
    )
    return [(pk, float(score)) for pk, score in rows]


def _similar_candidates_words(demand: ChangeRequest) -> list[tuple[int, float]]:
    """The portable fallback: Jaccard of significant words, in Python over a bounded window."""
    earlier = (
        ChangeRequest.objects.filter(product_id=demand.product_id, pk__lt=demand.pk)
        .order_by("-pk")
        .values_list("pk", "title", "description")[:SIMILARITY_WINDOW]
    )
    scored = [
        (pk, wording_similarity((demand.title, demand.description), (title, description)))
        for pk, title, description in earlier
        if _jaccard(demand.title, title) >= TITLE_WORDS_THRESHOLD
    ]
    return sorted((row for row in scored if row[1] >= SIMILARITY_THRESHOLD), key=lambda row: -row[1])[:10]


def similar_demands_record(*, change_request_id: int) -> int:
    """Record earlier demands on the same product whose wording is close; safe to run twice.

    The similar demands and the clearing of the demand's due-mark (`similarity_requested_at`) commit together:
    a run that fails half-way leaves the mark, and the sweep sends the demand again.
    """
    demand = ChangeRequest.objects.filter(pk=change_request_id).only("pk", "product_id", "title", "description").first()
    if demand is None:
        return 0
    if connection.vendor == "postgresql":
        candidates = _similar_candidates_trigram(demand)
    else:
        candidates = _similar_candidates_words(demand)
    with transaction.atomic():
        SimilarDemand.objects.bulk_create(
            [
                SimilarDemand(change_request_id=demand.pk, similar_to_id=pk, similarity=score)
                for pk, score in candidates
            ],
            ignore_conflicts=True,
        )
        ChangeRequest.objects.filter(pk=demand.pk, similarity_requested_at__isnull=False).update(
            similarity_requested_at=None
        )
    return len(candidates)
