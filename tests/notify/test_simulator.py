from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from yingji.notify.simulator import GatewaySimulator


def test_template_with_params_and_listing(simulator: GatewaySimulator) -> None:
    body = {
        "mobile": "13800138000",
        "template": "{area}发布{level}预警",
        "params": {"area": "渝中区", "level": "红色"},
        "request_id": "r1",
    }
    answer = httpx.post(simulator.sms_url, json=body)
    assert answer.status_code == 200
    assert answer.json()["code"] == "OK"
    listing = httpx.get(simulator.url + "/messages").json()["messages"]
    assert [(m["request_id"], m["text"]) for m in listing] == [("r1", "渝中区发布红色预警")]


@pytest.mark.parametrize(
    "body",
    [
        {"mobile": "13800138000", "text": "x"},
        {"mobile": "x", "text": "x", "request_id": "r"},
        {"mobile": "13800138000", "request_id": "r"},
        {"mobile": "13800138000", "template": "{a}", "params": {}, "request_id": "r"},
        ["not", "an", "object"],
    ],
)
def test_malformed_requests_refused(simulator: GatewaySimulator, body: object) -> None:
    answer = httpx.post(simulator.sms_url, json=body)
    assert answer.status_code == 400
    assert answer.json()["code"] == "INVALID_PARAMETER"
    assert simulator.messages() == []


def test_request_id_reused_for_other_mobile_conflicts(simulator: GatewaySimulator) -> None:
    first = {"mobile": "13800138000", "text": "a", "request_id": "r"}
    assert httpx.post(simulator.sms_url, json=first).status_code == 200
    other = {**first, "mobile": "13900139000"}
    assert httpx.post(simulator.sms_url, json=other).status_code == 409
    assert len(simulator.messages()) == 1


def test_unknown_path_and_bad_behaviour(simulator: GatewaySimulator) -> None:
    assert httpx.post(simulator.url + "/nope", json={}).status_code == 404
    with pytest.raises(ValueError):
        simulator.set_behaviour(fail_status=302)


def test_per_mobile_behaviour_starts_from_global(simulator: GatewaySimulator) -> None:
    simulator.set_behaviour(delay_ms=5)
    special = simulator.set_behaviour("13800138000", drop=True)
    assert special.delay_ms == 5 and special.drop
    assert simulator.behaviour_for("13900139000").drop is False


def test_stopped_simulator_has_no_url() -> None:
    sim = GatewaySimulator()
    with pytest.raises(RuntimeError):
        _ = sim.url
    with sim:
        assert sim.port > 0
    with pytest.raises(RuntimeError):
        _ = sim.url


def test_runs_standalone() -> None:
    """``python -m yingji.notify.simulator`` prints the settings to use and serves them."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "yingji.notify.simulator"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        name, _, url = proc.stdout.readline().strip().partition("=")
        assert name == "YINGJI_SMS_GATEWAY_URL"
        body = {"mobile": "13800138000", "text": "x", "request_id": "r"}
        assert httpx.post(url, json=body).json()["code"] == "OK"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
