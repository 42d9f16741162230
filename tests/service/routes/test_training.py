"""POST/GET /v1/training-jobs: a real (tiny) retraining through the job runner."""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI
from fastapi.testclient import TestClient

from models.artifacts import is_complete
from service.config import Settings
from service.store.repositories import create_job
from tests.utils.client import auth, start_training, upload, wait_for_job
from tests.utils.factories import World


def test_training_job_trains_records_and_compares_with_the_current_model(
    client: TestClient, world: World, settings: Settings
) -> None:
    response = start_training(client, world.a.writer, "sentiment")
    job = response.json()
    assert job["kind"] == "training"
    assert job["params"]["upload"]["rows"] == 98
    assert response.headers["location"] == f"/v1/training-jobs/{job['id']}"
    done = wait_for_job(client, f"/v1/training-jobs/{job['id']}", auth(world.a.reader), timeout=120)
    assert done["state"] == "succeeded", done.get("message")
    entry = done["result"]["tasks"]["sentiment"]
    assert entry["version"] and entry["metrics"]
    assert entry["current_version"] == "20260101-000000-aaaaaa"
    assert set(entry["current_metrics"]) == set(entry["metrics"]), "compared on the same test sets"
    # saved under the data directory, in the workspace's folder, never in the shipped (git) one
    own_folder = settings.data_dir / "models" / f"workspace-{world.a.workspace_id}"
    assert is_complete(own_folder / "sentiment" / entry["version"])
    assert not (settings.models_dir / "sentiment" / entry["version"]).exists()
    assert not (settings.data_dir / "jobs" / str(job["id"]) / "models").exists(), "staging removed"
    versions = client.get("/v1/models", headers=auth(world.a.reader)).json()["versions"]
    mine = [v for v in versions if v["version"] == entry["version"]]
    assert mine and mine[0]["origin"] == "this_workspace" and not mine[0]["is_current"]
    assert mine[0]["trained_by"] == world.a.slug
    assert entry["version"] not in {
        v["version"] for v in client.get("/v1/models", headers=auth(world.b.reader)).json()["versions"]
    }
    promoted = client.post(f"/v1/models/{entry['version']}/promote", headers=auth(world.a.admin))
    assert promoted.status_code == 200, promoted.text
    served = client.post(
        "/v1/comments/analyze", json={"comments": [{"text": "求链接"}]}, headers=auth(world.a.reader)
    )
    assert served.json()["model_version"].startswith(f"sentiment:{entry['version']}")


def test_training_refuses_unusable_files(client: TestClient, world: World) -> None:
    no_labels = upload(
        client, "/v1/training-jobs", world.a.writer, "labels.csv", "text,colour\n好看,red\n".encode()
    )
    assert no_labels.status_code == 422
    assert "expected a text" in no_labels.json()["detail"]
    wrong_type = upload(
        client, "/v1/training-jobs", world.a.writer, "labels.pkl", b"\x80\x04.", "application/octet-stream"
    )
    assert wrong_type.status_code == 415
    bad_tasks = client.post(
        "/v1/training-jobs", data={"tasks": "sentiment,vibes"}, headers=auth(world.a.writer)
    )
    assert bad_tasks.status_code == 422
    reader = client.post("/v1/training-jobs", data={"tasks": "all"}, headers=auth(world.a.reader))
    assert reader.status_code == 403


def test_training_jobs_are_listed_whatever_number_of_other_jobs_came_after(
    client: TestClient, world: World
) -> None:
    app = cast(FastAPI, client.app)
    with app.state.services.session_factory() as session, session.begin():
        for _ in range(250):  # more than any page: the listing must filter by kind in the query
            create_job(session, world.a.workspace_id, "ingest", {"files": []}).state = "succeeded"
    items = client.get("/v1/training-jobs", headers=auth(world.a.reader)).json()["items"]
    assert [(j["id"], j["kind"]) for j in items] == [(world.a.job_id, "training")]


def test_training_upload_errors_name_the_users_file(client: TestClient, world: World) -> None:
    response = upload(
        client, "/v1/training-jobs", world.a.writer, "我的标注.csv", "text,sentiment\n好看,great\n".encode()
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == "我的标注.csv: no usable labelled row (1 rejected)"
    assert problem["row_errors"] == [
        "我的标注.csv line 2: unknown sentiment 'great'; accepted: positive, neutral, negative"
    ]
    assert "labels.csv" not in response.text


def test_training_upload_in_gbk_is_read_as_chinese(client: TestClient, world: World) -> None:
    """Excel on Chinese Windows writes GBK: 正面/负面 must be read as labels, not as "����"."""
    rows = "text,sentiment\n求链接,正面\n滤镜太重了吧,负面\n还行吧,中性\n"
    response = upload(
        client,
        "/v1/training-jobs",
        world.a.writer,
        "gbk.csv",
        rows.encode("gbk"),
        data={"tasks": "sentiment"},
    )
    assert response.status_code == 202, response.text
    assert (response.json()["params"]["upload"]["rows"], response.json()["params"]["upload"]["rejected"]) == (
        3,
        0,
    )


def test_training_upload_in_no_accepted_encoding_names_them(client: TestClient, world: World) -> None:
    response = upload(
        client, "/v1/training-jobs", world.a.writer, "latin.csv", b"text,sentiment\n\xff\xfe\xff,positive\n"
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("latin.csv: line 2 is neither UTF-8")
    assert "GB18030/GBK" in response.json()["detail"]
