"""The payment, payout and refund lifecycles: every move in the tables, and only those."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.payouts import (
    PAYMENT_TRANSITIONS,
    PAYOUT_TRANSITIONS,
    POST_DISPUTED,
    REFUND_TRANSITIONS,
    DeliveryState,
    IllegalMove,
    PaymentStatus,
    PayoutStatus,
    RefundStatus,
    delivery_move,
    hand_verifiable,
    idempotency_key,
    move_payment,
    move_payout,
    move_refund,
    payment_news,
)

CASES = [
    (move_payment, PaymentStatus, PAYMENT_TRANSITIONS),
    (move_payout, PayoutStatus, PAYOUT_TRANSITIONS),
    (move_refund, RefundStatus, REFUND_TRANSITIONS),
]


@pytest.mark.parametrize(("move", "states", "table"), CASES)
def test_every_pair_of_states_moves_exactly_as_its_table_says(move, states, table) -> None:  # type: ignore[no-untyped-def]
    assert set(table) == set(states)  # every state has a row
    for current, target in itertools.product(states, states):
        if target in table[current]:
            assert move(current, target) is target
        else:
            with pytest.raises(IllegalMove):
                move(current, target)


def test_paid_and_cancelled_payouts_never_move_again() -> None:
    assert PAYOUT_TRANSITIONS[PayoutStatus.PAID] == frozenset()
    assert PAYOUT_TRANSITIONS[PayoutStatus.CANCELLED] == frozenset()


def test_money_on_its_way_cannot_be_cancelled_or_disputed() -> None:
    for status in (PayoutStatus.SENDING, PayoutStatus.UNKNOWN):
        assert PayoutStatus.CANCELLED not in PAYOUT_TRANSITIONS[status]
        assert PayoutStatus.DISPUTED not in PAYOUT_TRANSITIONS[status]


@given(st.lists(st.sampled_from(list(PaymentStatus)), max_size=12), st.randoms())
def test_the_same_news_in_any_order_ends_in_the_same_state(news, random) -> None:  # type: ignore[no-untyped-def]
    if PaymentStatus.SUCCEEDED not in news:
        news = [*news, PaymentStatus.SUCCEEDED]
    news = [n for n in news if n not in (PaymentStatus.REFUNDED, PaymentStatus.CANCELLED)]

    def apply(order: list[PaymentStatus]) -> PaymentStatus:
        state = PaymentStatus.OPEN
        for reported in order:
            state = payment_news(state, reported)
        return state

    shuffled = list(news)
    random.shuffle(shuffled)
    assert apply(news) is apply(shuffled) is PaymentStatus.SUCCEEDED


def test_stale_news_is_ignored_not_an_error() -> None:
    assert (
        payment_news(PaymentStatus.SUCCEEDED, PaymentStatus.PROCESSING) is PaymentStatus.SUCCEEDED
    )
    assert payment_news(PaymentStatus.SUCCEEDED, PaymentStatus.FAILED) is PaymentStatus.SUCCEEDED


def test_the_idempotency_key_comes_from_the_row_and_its_attempt() -> None:
    assert idempotency_key(12, 1) == "kesher-payout-12-attempt-1"
    assert idempotency_key(12, 1) == idempotency_key(12, 1)
    assert idempotency_key(12, 2) != idempotency_key(12, 1)


def test_a_charge_matches_stripe_only_when_gross_fee_and_net_all_match() -> None:
    from pricing.payouts import charge_differences

    # 1,475.00 paid, 43.08 fee booked: Stripe's line 147,500 / 4,308 / 143,192 matches.
    assert charge_differences(147_500, 4_308, 147_500, 4_308, 143_192) == []
    # Stripe kept 43.10: the fee differs and so does the net (143,192 booked, 143,190 there).
    assert charge_differences(147_500, 4_308, 147_500, 4_310, 143_190) == [
        ("fee_differs", 4_308, 4_310),
        ("net_differs", 143_192, 143_190),
    ]
    # A fee never booked (0) against Stripe's: both differ; the gross alone would not see it.
    assert charge_differences(147_500, 0, 147_500, 4_308, 143_192) == [
        ("fee_differs", 0, 4_308),
        ("net_differs", 147_500, 143_192),
    ]
    assert charge_differences(147_500, 4_308, 150_000, 4_308, 145_692)[0] == (
        "amount_differs", 147_500, 150_000,
    )  # fmt: skip


def test_only_a_fee_missing_from_the_books_is_booked_late() -> None:
    from pricing.payouts import fee_to_book

    assert fee_to_book(0, 4_308) == 4_308
    assert fee_to_book(4_308, 4_308) == 0
    assert fee_to_book(4_300, 4_308) == 0  # booked with another fee: finance decides
    assert fee_to_book(0, 0) == 0


def test_the_local_peers_fee_is_29_per_mille_rounded_half_up_plus_30() -> None:
    from tests.stripe_fake import stripe_fee

    assert stripe_fee(147_500) == 4_278 + 30  # 4,277.5 rounds up
    assert stripe_fee(1_000) == 29 + 30
    assert stripe_fee(10_017) == 290 + 30  # 290.493 rounds down


W, R, D = PayoutStatus.AWAITING_DELIVERY, PayoutStatus.REVIEW_WINDOW, PayoutStatus.DISPUTED


@pytest.mark.parametrize(
    ("current", "reason", "state", "expected"),
    [
        (W, "awaiting_delivery", DeliveryState(), None),  # no posts: staff verify by hand
        (W, "awaiting_delivery", DeliveryState(live=3, verified=2), None),
        (W, "awaiting_delivery", DeliveryState(live=3, verified=3), R),
        (W, "awaiting_delivery", DeliveryState(live=3, verified=2, missed=1), None),
        (W, "awaiting_delivery", DeliveryState(live=3, verified=1, disputed=1), D),
        (R, "review_window", DeliveryState(live=2, verified=1, disputed=1), D),
        (PayoutStatus.READY, "ready", DeliveryState(live=1, disputed=1), D),
        (PayoutStatus.SENDING, "sending", DeliveryState(live=1, disputed=1), None),  # too late
        (D, POST_DISPUTED, DeliveryState(live=2, verified=2), R),
        (D, POST_DISPUTED, DeliveryState(live=2, verified=1), W),
        (D, POST_DISPUTED, DeliveryState(live=2, verified=1, disputed=1), None),
        (D, "disputed", DeliveryState(live=2, verified=2), None),  # the brand's hold stays
        (R, "review_window", DeliveryState(live=2, verified=2), None),  # already there
    ],
)
def test_delivery_moves_a_payout_as_its_posts_say(current, reason, state, expected) -> None:  # type: ignore[no-untyped-def]
    assert delivery_move(current, reason, state) is expected
    if expected is not None:
        move_payout(current, expected)  # a move of the table


def test_staff_verify_by_hand_only_without_posts_or_after_a_miss() -> None:
    assert hand_verifiable(DeliveryState())
    assert hand_verifiable(DeliveryState(live=3, verified=2, missed=1))
    assert not hand_verifiable(DeliveryState(live=3, verified=2))
    assert not hand_verifiable(DeliveryState(live=3, verified=1, missed=1))
    assert not hand_verifiable(DeliveryState(live=3, verified=1, missed=1, disputed=1))
