"""Values no real export holds are refused with their place, never a crash; repeated Telegram
ids (a supergroup carrying the basic group it was migrated from) are read."""

from __future__ import annotations

import pytest

from pricing.health import BadValue, analyse
from tests.unit.health.helpers import CORPUS, kinds, parse, telegram, tg_message

GROUP = '01/03/2024, 10:00 - Dana created group "Runners"\n01/03/2024, 10:01 - Dana: hi\n'


@pytest.mark.parametrize("date", ["01/01/9999", "01/01/1000", "01/01/1999"])
def test_a_whatsapp_year_out_of_range_is_refused_with_its_line(date: str) -> None:
    data = (GROUP + f"{date}, 10:02 - Avi: hello\n01/03/2024, 10:03 - Noa: hey\n").encode()
    with pytest.raises(BadValue) as caught:
        parse(data)
    assert caught.value.line == 3
    assert date in str(caught.value)


def test_a_telegram_html_year_out_of_range_is_refused_with_its_page_and_line() -> None:
    html = (CORPUS / "real" / "telegram_messages.html").read_text("utf-8")
    html = html.replace("07.01.2024 09:05:12", "07.01.9999 09:05:12")
    with pytest.raises(BadValue, match="messages.html: message 3 has an impossible time"):
        parse(html.encode(), "messages.html")


@pytest.mark.parametrize(
    "extra",
    [{"date_unixtime": "999999999999999"}, {"date_unixtime": "-5", "date": "0001-01-01T00:00:00"}],
)
def test_a_telegram_json_time_out_of_range_is_refused_naming_the_message(
    extra: dict[str, str],
) -> None:
    messages = [
        tg_message(1, "2024-03-01 10:00", "Dana"),
        {**tg_message(2, "2024-03-01 10:01", "Avi"), **extra},
    ]
    with pytest.raises(BadValue, match="message #2"):
        parse(telegram(messages), "result.json")


def test_repeated_telegram_ids_after_a_migration_are_read_and_replies_find_the_nearest() -> None:
    old_group = [
        tg_message(1, "2024-01-01 10:00", "Dana"),
        tg_message(2, "2024-01-01 10:01", "Avi", reply_to_message_id=1),
    ]
    supergroup = [
        {**tg_message(1, "2024-02-01 10:00", "Dana"), "type": "service",
         "action": "migrate_from_group", "actor": "Dana", "actor_id": "user_Dana"},
        tg_message(2, "2024-02-01 10:01", "Noa"),
        tg_message(3, "2024-02-01 10:02", "Avi", reply_to_message_id=2),
    ]  # fmt: skip
    parsed = parse(telegram(old_group + supergroup), "result.json")
    assert kinds(parsed) == {"message": 4, "system": 1}
    figures = analyse(parsed).period(90).figures
    assert figures.replies == 2
    assert figures.threads == 2


@pytest.mark.parametrize(
    "fields",
    [{"action": "invite_members", "members": 5}, {"action": ["invite_members"], "members": []}],
)
def test_a_telegram_service_message_with_odd_fields_is_a_system_line_not_a_crash(
    fields: dict[str, object],
) -> None:
    service = {**tg_message(2, "2024-03-01 10:01", "Dana"), "type": "service", **fields}
    messages = [tg_message(1, "2024-03-01 10:00", "Dana"), service]
    parsed = parse(telegram(messages), "result.json")
    assert kinds(parsed)["message"] == 1
    assert "join" not in kinds(parsed)
