"""The decision clock: it runs from filing to decision, paused while the customer owes an answer."""

from datetime import UTC, datetime, timedelta

from triage.clock import decision_clock, percentile

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_the_clock_runs_from_filing_to_decision():
    clock = decision_clock(
        filed_at=T0, transitions=[("submitted", T0), ("scored", day(0.1)), ("approved", day(10))], now=day(30)
    )
    assert clock.decided_at == day(10) and clock.running == timedelta(days=10) and clock.waiting == timedelta(0)


def test_time_waiting_for_the_customer_is_not_counted():
    transitions = [
        ("submitted", T0),
        ("scored", day(1)),
        ("needs_info", day(2)),
        ("submitted", day(9)),
        ("scored", day(9)),
        ("rejected", day(12)),
    ]
    clock = decision_clock(filed_at=T0, transitions=transitions, now=day(30))
    assert clock.waiting == timedelta(days=7) and clock.running == timedelta(days=5)


def test_an_open_demand_waiting_for_an_answer_is_paused_now():
    clock = decision_clock(filed_at=T0, transitions=[("submitted", T0), ("needs_info", day(3))], now=day(20))
    assert clock.is_paused and clock.running == timedelta(days=3) and clock.decided_at is None


def test_a_withdrawal_stops_the_clock_without_a_decision():
    clock = decision_clock(filed_at=T0, transitions=[("submitted", T0), ("withdrawn", day(4))], now=day(20))
    assert clock.decided_at is None and clock.stopped_at == day(4) and clock.running == timedelta(days=4)


def test_two_rounds_of_questions_are_both_paused():
    transitions = [
        ("submitted", T0),
        ("needs_info", day(1)),
        ("submitted", day(3)),
        ("needs_info", day(4)),
        ("submitted", day(8)),
        ("deferred", day(10)),
    ]
    clock = decision_clock(filed_at=T0, transitions=transitions, now=day(30))
    assert clock.waiting == timedelta(days=6) and clock.running == timedelta(days=4)


def test_percentiles_use_the_nearest_rank():
    values = [float(n) for n in range(1, 11)]
    assert percentile(values, 0.5) == 5.0 and percentile(values, 0.9) == 9.0 and percentile([], 0.5) is None
