"""Telegram service messages: who joined, left or was removed, and who is an admin for it.

Telegram Desktop writes the HTML export's service sentences in English whatever the app's
language (Hebrew or Russian UI included): its exporter builds them from fixed strings.
"""

from __future__ import annotations

from pricing.health.events import AdminSource
from tests.unit.health.helpers import kinds, parse, person, telegram, tg_message


def _service(number: int, sentence: str) -> str:
    return (
        f'<div class="message service" id="message{number}">'
        f'<div class="body details">\n{sentence}\n</div></div>\n'
    )


def _message(number: int, author: str, minute: int) -> str:
    return (
        f'<div class="message default clearfix" id="message{number}"><div class="body">'
        f'<div class="pull_right date details" title="07.01.2024 09:{minute:02d}:00 UTC+02:00">'
        f'09:{minute:02d}</div><div class="from_name">\n{author}\n</div>'
        '<div class="text">\nשלום\n</div></div></div>\n'
    )


def page(*blocks: str) -> bytes:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head>'
        '<body><div class="page_wrap"><div class="page_header"><div class="content">'
        '<div class="text bold">\nרצים ת״א\n</div></div></div>'
        '<div class="page_body chat_page"><div class="history">\n'
        + "".join(blocks)
        + "</div></div></div></body></html>\n"
    ).encode()


def test_a_member_leaving_is_written_as_removing_themselves_and_is_no_admin() -> None:
    html = page(
        _message(1, "דנה לוי", 0),
        _message(2, "Yossi Cohen", 1),
        _message(3, "Avi", 2),
        _service(4, "Yossi Cohen removed Yossi Cohen"),
    )
    parsed = parse(html, "messages.html")
    assert kinds(parsed) == {"message": 3, "leave": 1}
    assert parsed.admin_source is AdminSource.NONE
    assert person("Yossi Cohen") not in parsed.admins


def test_removing_someone_else_makes_an_admin_and_group_photo_or_calls_are_no_members() -> None:
    html = page(
        _message(1, "דנה לוי", 0),
        _service(2, "Avi invited Yossi Cohen to the voice chat"),
        _service(3, "Avi removed group photo"),
        _message(4, "Yossi Cohen", 1),
        _message(5, "Avi", 2),
        _service(6, "דנה לוי removed Avi"),
        _service(7, "Олег joined group by link from דנה לוי"),
    )
    parsed = parse(html, "messages.html")
    assert kinds(parsed) == {"message": 3, "system": 2, "leave": 1, "join": 1}
    assert parsed.admins == frozenset({person("דנה לוי")})
    assert person("Олег") in set(parsed.events["author"])


def test_telegram_json_actions_for_joins_invites_removals_and_migration() -> None:
    def service(msg_id: int, action: str, actor: str, **extra: object) -> dict[str, object]:
        base = tg_message(msg_id, f"2024-03-01 10:{msg_id:02d}", actor)
        return {**base, "type": "service", "action": action, "actor": actor,
                "actor_id": f"user_{actor}", **extra}  # fmt: skip

    messages = [
        service(1, "migrate_from_group", "Dana", title="Runners"),
        tg_message(2, "2024-03-01 10:02", "Dana"),
        service(3, "join_group_by_link", "Oleg", inviter="Dana"),
        service(4, "invite_members", "Dana", members=["Avi", "Noa"]),
        service(5, "join_group_by_request", "Ron"),
        tg_message(6, "2024-03-01 10:06", "Avi", text=["hi ", {"type": "bold", "text": "all"}]),
        service(7, "remove_members", "Noa", members=["Noa"]),  # Noa left
        service(8, "remove_members", "Dana", members=["Ron"]),  # Dana removed Ron
        service(9, "invite_to_group_call", "Avi", members=["Oleg"]),
        tg_message(10, "2024-03-01 10:10", "Oleg", reactions=[{"type": "emoji", "count": 2}]),
    ]
    parsed = parse(telegram(messages), "result.json")
    assert kinds(parsed) == {"message": 3, "join": 4, "leave": 2, "system": 2}
    assert parsed.admin_source is AdminSource.INFERRED
    assert parsed.admins == frozenset({person("user_Dana")})
