"""The jobs pages: who sees which job, the JSON the progress bar polls, cancelling, imports."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from flask import Flask

from marketplace.extensions import db
from marketplace.jobs import services
from marketplace.jobs.models import Job, JobStatus
from tests.factories import make_job

CORPUS = Path(__file__).resolve().parents[1] / "data" / "catalog_import"


def queued(app: Flask, user: Any, kind: str = "jobs.noop") -> int:
    """A job that stays queued (not handed to the eager test backend)."""
    with app.app_context():
        job = make_job(db.session, kind, user=user.id)
        db.session.commit()
        return job.id


def test_users_see_their_own_jobs_and_staff_see_everyones(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, other, staff = make_user("owner"), make_user("owner"), make_user("staff")
    mine, theirs = queued(app, owner), queued(app, other)
    auth.login(owner.email)
    page = client.get("/jobs").text
    assert f'href="/jobs/{mine}"' in page
    assert f'href="/jobs/{theirs}"' not in page
    assert client.get(f"/jobs/{mine}").status_code == 200
    assert client.get(f"/jobs/{theirs}").status_code == 404  # not even its existence
    assert client.get(f"/jobs/{theirs}.json").status_code == 404
    assert client.post(f"/jobs/{theirs}/cancel").status_code == 404
    auth.logout()
    auth.login(staff.email)
    page = client.get("/jobs").text
    assert f'href="/jobs/{mine}"' in page
    assert f'href="/jobs/{theirs}"' in page
    assert f'href="/jobs/{mine}"' not in client.get("/jobs?mine=1").text
    assert f'href="/jobs/{mine}"' not in client.get("/jobs?status=succeeded").text
    assert f'href="/jobs/{mine}"' in client.get("/jobs?status=queued&kind=jobs.noop").text


def test_the_json_reports_progress_and_a_cancelled_job_says_so(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner")
    job_id = queued(app, owner)
    auth.login(owner.email)
    body = client.get(f"/jobs/{job_id}.json").json
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["finished"] is False
    assert body["delayed"] is False  # no Redis in play
    assert body["error"] is None
    page = client.get(f"/jobs/{job_id}").text
    assert f'data-job-poll="/jobs/{job_id}.json"' in page
    assert re.search(r'<script src="/static/js/jobs\.js(\?[^"]*)?" defer>', page)  # same origin
    assert f'href="/jobs/{job_id}" data-job-reload' in page  # without JavaScript
    script = client.get("/static/js/jobs.js")
    assert script.status_code == 200
    assert b"data-job-poll" in script.data
    script.close()
    assert client.post(f"/jobs/{job_id}/cancel").status_code == 302
    body = client.get(f"/jobs/{job_id}.json").json
    assert (body["status"], body["finished"]) == ("cancelled", True)


def test_a_failed_job_shows_a_readable_error_and_no_traceback(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    job_id = queued(app, owner)
    with app.app_context():
        job = db.session.get_one(Job, job_id)
        job.status, job.error, job.attempts = JobStatus.FAILED, services.INTERNAL, 1
        db.session.commit()
    auth.login(owner.email)
    page = client.get(f"/jobs/{job_id}").text
    assert f"The team can find the details in the logs under job #{job_id}." in page
    assert "Traceback" not in page


def test_confirming_an_import_runs_it_as_a_job_and_links_the_result(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    make_user("owner", email="owner@example.com")
    auth.login(make_user("staff", locale="en").email)
    upload = client.post(
        "/catalog/import",
        data={"file": (io.BytesIO((CORPUS / "valid_hebrew_headers.xlsx").read_bytes()), "c.xlsx")},
        content_type="multipart/form-data",
    )
    preview = client.get(upload.headers["Location"]).text
    apply_url = re.search(r'action="(/catalog/import/\d+/apply)"', preview)
    assert apply_url
    response = client.post(apply_url.group(1))
    job_url = response.headers["Location"]
    assert re.fullmatch(r"/jobs/\d+", job_url)
    page = client.get(job_url).text
    assert "Imported 2 communities with 3 channels." in page
    assert 'href="/catalog/"' in page
    assert client.get(job_url + ".json").json["progress"] == 100
    # A second click on the same preview shows the same job; the preview shows it too.
    assert client.post(apply_url.group(1)).headers["Location"] in (job_url, "/catalog/")
    assert "Imported 2 communities" in client.get(upload.headers["Location"]).text


def test_every_kind_of_job_has_a_title_in_words_not_its_code(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    from marketplace.jobs import REGISTRY

    staff = make_user("staff")
    # The product's kinds: other test modules register their own ("test.…") in the same process.
    kinds = sorted(
        k for k, spec in REGISTRY.items() if spec.func.__module__.startswith("marketplace.")
    )
    assert {"deals.expire_offers", "payments.run_payouts", "delivery.monitor"} <= set(kinds)
    for kind in kinds:
        queued(app, staff, kind)
    auth.login(staff.email)
    page = client.get("/jobs").text
    for kind in kinds:
        assert f">{kind}<" not in page, f"{kind} is shown as its code"
