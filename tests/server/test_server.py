"""The test server's own behaviour: protocol, storage, admin API, faults, TLS.

Plain urllib clients only (no official SDK): fast, no network beyond 127.0.0.1.
"""

import base64
import gzip
import http.client as hc
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

import wbserver
from helpers import HERE, ROOT

KEY = wbserver.DEFAULT_API_KEY

UPSERT = """
mutation UpsertBucket($id: String, $name: String, $project: String, $entity: String,
    $groupName: String, $displayName: String, $notes: String, $config: JSONString,
    $jobType: String, $tags: [String!], $summaryMetrics: JSONString) {
  upsertBucket(input: {id: $id, name: $name, groupName: $groupName, modelName: $project,
      entityName: $entity, displayName: $displayName, notes: $notes, config: $config,
      jobType: $jobType, tags: $tags, summaryMetrics: $summaryMetrics}) {
    bucket { id name displayName description config sweepName
             project { id name entity { id name } } historyLineCount }
    inserted
  }
}"""

RESUME = """
query RunResumeStatus($project: String, $entity: String, $name: String!) {
  model(name: $project, entityName: $entity) {
    id name entity { id name }
    bucket(name: $name, missingOk: true) {
      id name summaryMetrics displayName logLineCount historyLineCount eventsLineCount
      historyTail eventsTail config tags notes wandbConfig(keys: ["t"])
    }
  }
}"""


def auth(key=KEY):
    return "Basic " + base64.b64encode(("api:" + key).encode()).decode()


def call(url, method="GET", body=None, headers=None, timeout=10, context=None):
    """(status, parsed JSON or bytes, headers); HTTP errors are returned, not raised."""
    data = body
    hdrs = dict(headers or {})
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    # Never through a proxy from the environment: the server is on 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(req, timeout=timeout) as resp:
            status, raw, rh = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        status, raw, rh = e.code, e.read(), e.headers
    try:
        return status, json.loads(raw) if raw else None, rh
    except ValueError:
        return status, raw, rh


def gql(srv, query, variables=None, key=KEY, op=None, **kw):
    body = {"query": query, "variables": variables or {}}
    if op:
        body["operationName"] = op
    return call(srv.url + "/graphql", "POST", body, {"Authorization": auth(key)}, **kw)


def fs(srv, run, body, project="proj", entity=None, key=KEY, **kw):
    entity = entity or srv.entity
    return call("%s/files/%s/%s/%s/file_stream" % (srv.url, entity, project, run), "POST", body,
                {"Authorization": auth(key)}, **kw)


def upsert(srv, **variables):
    variables.setdefault("project", "proj")
    status, body, _ = gql(srv, UPSERT, variables, op="UpsertBucket")
    assert status == 200, body
    return body


def admin(srv, path, body=None, method=None):
    return call(srv.url + "/_admin/" + path, method or ("POST" if body is not None else "GET"), body)


# ---------------------------------------------------------------- GraphQL

def test_viewer_and_basic_auth(server):
    status, body, _ = gql(server, "query Viewer { viewer { id entity username teams { edges { node { name } } } } }")
    assert status == 200
    assert body["data"]["viewer"]["entity"] == wbserver.DEFAULT_ENTITY
    assert body["data"]["viewer"]["teams"]["edges"][0]["node"]["name"] == wbserver.DEFAULT_ENTITY

    status, body, _ = gql(server, "{ viewer { id } }", key="x" * 40)
    assert status == 401 and "errors" in body
    status, body, _ = call(server.url + "/graphql", "POST", {"query": "{ viewer { id } }"})
    assert status == 401
    status, _, _ = fs(server, "nope", {}, key="y" * 40)
    assert status == 401
    rejected = [r for r in server.requests("graphql") if r["status"] == 401]
    assert len(rejected) == 2


def test_upsert_creates_then_updates_run(server):
    cfg = {"lr": {"value": 0.1}, "_wandb": {"value": {"t": {"1": 2}}}}
    first = upsert(server, name="run1", config=json.dumps(cfg), tags=["a", "b"],
                   groupName="g", jobType="train", notes="hello")["data"]["upsertBucket"]
    assert first["inserted"] is True
    b = first["bucket"]
    assert b["name"] == "run1" and b["historyLineCount"] == 0
    assert b["displayName"] and b["displayName"].count("-") == 2  # server-generated
    assert b["project"] == {"id": b["project"]["id"], "name": "proj",
                            "entity": {"id": b["project"]["entity"]["id"],
                                       "name": wbserver.DEFAULT_ENTITY}}
    assert json.loads(b["config"]) == cfg

    # A later upsert by storage id changes only what it carries.
    second = upsert(server, id=b["id"], displayName="my name")["data"]["upsertBucket"]
    assert second["inserted"] is False
    assert second["bucket"]["displayName"] == "my name"
    r = server.run_state("run1")
    assert r["tags"] == ["a", "b"] and r["group"] == "g" and r["job_type"] == "train"
    assert r["notes"] == "hello" and r["config_values"] == {"lr": 0.1}
    assert len(r["upserts"]) == 2

    # Unknown storage id: a GraphQL error, not a new run.
    status, body, _ = gql(server, UPSERT, {"id": "bm9wZQ==", "project": "proj"})
    assert status == 200 and body["errors"] and body["data"]["upsertBucket"] is None


def test_upsert_without_name_generates_run_id_and_uses_default_entity(server):
    b = upsert(server, entity=None)["data"]["upsertBucket"]["bucket"]
    assert len(b["name"]) == 8 and b["name"].isalnum()
    assert b["project"]["entity"]["name"] == wbserver.DEFAULT_ENTITY


def test_resume_status_for_missing_and_existing_run(server):
    status, body, _ = gql(server, RESUME, {"project": "proj", "name": "r1"})
    assert status == 200 and body["data"]["model"] is None  # no such project yet
    upsert(server, name="other")
    status, body, _ = gql(server, RESUME, {"project": "proj", "name": "r1"})
    assert body["data"]["model"]["name"] == "proj" and body["data"]["model"]["bucket"] is None

    upsert(server, name="r1", config=json.dumps({"a": {"value": 1}, "_wandb": {"value": {"t": {"4": "3.11"}, "m": []}}}))
    rows = [json.dumps({"_step": i, "loss": i / 10, "_runtime": i}) for i in range(5)]
    fs(server, "r1", {"files": {
        "wandb-history.jsonl": {"offset": 0, "content": rows},
        "wandb-events.jsonl": {"offset": 0, "content": [json.dumps({"_wandb": True, "_runtime": 4.5})]},
        "output.log": {"offset": 0, "content": ["line a", "line b", "line c"]},
        "wandb-summary.json": {"offset": 0, "content": [json.dumps({"_step": 4, "loss": 0.4})]},
    }})
    status, body, _ = gql(server, RESUME, {"project": "proj", "name": "r1"})
    b = body["data"]["model"]["bucket"]
    assert (b["historyLineCount"], b["eventsLineCount"], b["logLineCount"]) == (5, 1, 3)
    assert json.loads(json.loads(b["historyTail"])[-1])["_step"] == 4
    assert json.loads(json.loads(b["eventsTail"])[-1])["_runtime"] == 4.5
    assert json.loads(b["wandbConfig"]) == {"t": {"4": "3.11"}}
    assert json.loads(b["summaryMetrics"]) == {"_step": 4, "loss": 0.4}
    assert json.loads(b["config"])["a"] == {"value": 1}

    # UpsertBucket answers historyLineCount for an existing run too.
    again = upsert(server, name="r1")["data"]["upsertBucket"]["bucket"]
    assert again["historyLineCount"] == 5


def test_seeded_run_is_visible_to_resume(server):
    status, snap, _ = admin(server, "runs", {"project": "p2", "name": "seeded",
                                               "config": {"lr": 0.5},
                                               "history": [{"_step": 0}, {"_step": 1}],
                                               "summary": {"_step": 1}})
    assert status == 200 and snap["line_counts"]["history"] == 2
    _, body, _ = gql(server, RESUME, {"project": "p2", "name": "seeded"})
    b = body["data"]["model"]["bucket"]
    assert b["historyLineCount"] == 2 and json.loads(b["wandbConfig"]) == {"t": {}}
    # A pre-created run that never started (no _wandb.t) counts as new to clients.
    admin(server, "runs", {"project": "p2", "name": "sweeprun", "started": False})
    _, body, _ = gql(server, RESUME, {"project": "p2", "name": "sweeprun"})
    assert json.loads(body["data"]["model"]["bucket"]["wandbConfig"]) == {}


def test_server_info_features_and_introspection(server):
    admin(server, "config", {"features": {"FILESTREAM_GZIP": True, "STRUCTURED_CONSOLE_LOGS": False}})
    _, body, _ = gql(server, "query ServerFeaturesQuery { serverInfo { features { name isEnabled } } }")
    assert body["data"]["serverInfo"]["features"] == [
        {"name": "FILESTREAM_GZIP", "isEnabled": True},
        {"name": "STRUCTURED_CONSOLE_LOGS", "isEnabled": False}]
    _, body, _ = gql(server, "query ServerInfo { serverInfo { cliVersionInfo latestLocalVersionInfo { outOfDate } } }")
    assert body["data"]["serverInfo"] == {"cliVersionInfo": {}, "latestLocalVersionInfo": None}
    _, body, _ = gql(server, 'query P($typeName: String!) { TypeInfo: __type(name: $typeName) { inputFields { name } } }',
                     {"typeName": "UpsertBucketInput"})
    names = {f["name"] for f in body["data"]["TypeInfo"]["inputFields"]}
    assert {"modelName", "entityName", "config", "jobProgram", "summaryMetrics"} <= names
    _, body, _ = gql(server, '{ __type(name: "NoSuchType") { name } }')
    assert body["data"]["__type"] is None


def test_unknown_fields_are_null_and_reported(server):
    status, body, _ = gql(server, "query Odd { viewer { id frobnicate } }")
    assert status == 200 and body["data"]["viewer"]["frobnicate"] is None
    st = server.state()
    assert {"operation": None, "field": "User.frobnicate"} in st["unknown_fields"]


def test_graphql_syntax_error_is_400(server):
    status, body, _ = gql(server, "query { viewer { id ")
    assert status == 400 and "Syntax Error" in body["errors"][0]["message"]


def test_run_stopped_status_and_file_stream_stop_flag(server):
    upsert(server, name="s1")
    q = "query RunStoppedStatus($entityName: String, $projectName: String, $runId: String!) { project(name:$projectName, entityName:$entityName) { run(name:$runId) { stopped } } }"
    _, body, _ = gql(server, q, {"projectName": "proj", "runId": "s1"})
    assert body["data"]["project"]["run"]["stopped"] is False
    _, resp, _ = fs(server, "s1", {})
    assert resp == {"exitcode": None, "limits": {}}
    assert admin(server, "stop", {"run": "s1"})[0] == 200
    _, body, _ = gql(server, q, {"projectName": "proj", "runId": "s1"})
    assert body["data"]["project"]["run"]["stopped"] is True
    _, resp, _ = fs(server, "s1", {})
    assert resp["stopped"] is True


# ---------------------------------------------------------------- file_stream

def test_file_stream_offsets_overwrite_instead_of_duplicating(server):
    upsert(server, name="fs1")
    rows = [json.dumps({"_step": i, "x": i}) for i in range(5)]
    fs(server, "fs1", {"files": {"wandb-history.jsonl": {"offset": 0, "content": rows}}})
    # A resend of lines 3-4 (changed) plus a new line 5.
    fs(server, "fs1", {"files": {"wandb-history.jsonl": {"offset": 3, "content": [
        json.dumps({"_step": 3, "x": 30}), json.dumps({"_step": 4, "x": 40}),
        json.dumps({"_step": 5, "x": 50})]}}})
    r = server.run_state("fs1")
    assert [h["x"] for h in r["history"]] == [0, 1, 2, 30, 40, 50]
    assert r["history_offsets"] == list(range(6)) and r["history_overwrites"] == 2
    assert r["history_gaps"] == []


def test_file_stream_summary_events_output_complete(server):
    upsert(server, name="fs2")
    fs(server, "fs2", {"files": {"wandb-summary.json": {"offset": 0, "content": ['{"a":1}', '{"a":2,"b":NaN}']}}})
    fs(server, "fs2", {"files": {
        "wandb-events.jsonl": {"offset": 0, "content": ['{"_wandb":true,"system.cpu":1.5}']},
        "output.log": {"offset": 0, "content": ["2026-01-01T00:00:00.000000 progress 10%"]}}})
    # A carriage-return progress line is rewritten at the same offset.
    fs(server, "fs2", {"files": {"output.log": {"offset": 0, "content": ["2026-01-01T00:00:01.000000 progress 100%", "ERROR 2026-01-01T00:00:01.000000 boom"]}}})
    fs(server, "fs2", {"uploaded": ["config.yaml"], "preempting": True})
    fs(server, "fs2", {"complete": True, "exitcode": 0, "dropped": 0})
    r = server.run_state("fs2")
    assert r["summary"]["a"] == 2 and r["summary"]["b"] != r["summary"]["b"]  # NaN kept
    assert r["summary_line"] == '{"a":2,"b":NaN}'
    assert r["events"] == [{"_wandb": True, "system.cpu": 1.5}]
    assert r["output"] == ["2026-01-01T00:00:01.000000 progress 100%",
                           "ERROR 2026-01-01T00:00:01.000000 boom"]
    assert r["uploaded"] == ["config.yaml"] and r["preempting"] is True
    assert r["complete"] is True and r["exitcode"] == 0 and r["state"] == "finished"
    assert r["file_stream_requests"] == 5


def test_file_stream_failed_exit_and_invalid_lines(server):
    upsert(server, name="fs3")
    fs(server, "fs3", {"files": {"wandb-history.jsonl": {"offset": 0, "content": ["not json", "[1]"]}}})
    fs(server, "fs3", {"complete": True, "exitcode": 2})
    r = server.run_state("fs3")
    assert r["state"] == "failed" and r["exitcode"] == 2
    assert [x["offset"] for x in r["invalid_lines"]] == [0, 1]


def test_file_stream_gzip_and_chunked_bodies(server):
    upsert(server, name="gz")
    body = json.dumps({"files": {"wandb-history.jsonl": {"offset": 0, "content": ['{"_step":0}']}}}).encode()
    status, _, _ = call(server.url + "/files/%s/proj/gz/file_stream" % server.entity, "POST",
                        gzip.compress(body), {"Authorization": auth(), "Content-Encoding": "gzip",
                                              "Content-Type": "application/json"})
    assert status == 200
    # Chunked transfer encoding, as Go sends bodies of unknown length.
    body2 = json.dumps({"files": {"wandb-history.jsonl": {"offset": 1, "content": ['{"_step":1}']}}}).encode()
    conn = hc.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("POST", "/files/%s/proj/gz/file_stream" % server.entity)
    conn.putheader("Authorization", auth())
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for part in (body2[:10], body2[10:]):
        conn.send(b"%x\r\n%s\r\n" % (len(part), part))
    conn.send(b"0\r\n\r\n")
    assert conn.getresponse().status == 200
    conn.close()
    assert [h["_step"] for h in server.run_state("gz")["history"]] == [0, 1]


def test_file_stream_for_unknown_run_is_404(server):
    status, body, _ = fs(server, "ghost", {"files": {}})
    assert status == 404 and "not found" in body["error"]


def test_keep_alive_connection_serves_several_requests(server):
    upsert(server, name="ka")
    conn = hc.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for i in range(3):
        payload = json.dumps({"files": {"wandb-history.jsonl": {"offset": i, "content": [json.dumps({"_step": i})]}}})
        conn.request("POST", "/files/%s/proj/ka/file_stream" % server.entity, payload,
                     {"Authorization": auth(), "Content-Type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == 200
        resp.read()
    conn.close()
    clients = {r["client"] for r in server.requests("file_stream")}
    assert len(clients) == 1
    assert len(server.run_state("ka")["history"]) == 3


# ---------------------------------------------------------------- uploads

def test_create_run_files_and_upload(server):
    upsert(server, name="up")
    q = ("mutation CreateRunFiles($entity: String!, $project: String!, $run: String!, $files: [String!]!) {"
         " createRunFiles(input: {entityName: $entity, projectName: $project, runName: $run, files: $files})"
         " { runID uploadHeaders files { name uploadUrl } } }")
    _, body, _ = gql(server, q, {"entity": server.entity, "project": "proj", "run": "up",
                                 "files": ["config.yaml", "media/images/a b.png"]})
    res = body["data"]["createRunFiles"]
    assert res["uploadHeaders"] == [] and res["runID"]
    urls = {f["name"]: f["uploadUrl"] for f in res["files"]}
    assert call(urls["config.yaml"], "PUT", b"lr:\n  value: 0.1\n")[0] == 200
    assert call(urls["media/images/a b.png"], "PUT", b"\x89PNG\x00\x01")[0] == 200
    # Upload URLs are "pre-signed": no credentials needed, a bad signature is refused.
    bad = urls["config.yaml"].replace("sig=", "sig=0")
    assert call(bad, "PUT", b"x")[0] == 403
    assert call(urls["config.yaml"])[1] == b"lr:\n  value: 0.1\n"
    r = server.run_state("up")
    assert r["files"]["config.yaml"]["text"] == "lr:\n  value: 0.1\n"
    assert r["files"]["media/images/a b.png"]["size"] == 6
    puts = server.requests("upload")
    assert all("Authorization" not in p["headers"] for p in puts)


def test_legacy_run_upload_urls_query(server):
    """The JS SDK and legacy Python ask for upload URLs through model.bucket.files."""
    upsert(server, name="leg")
    q = ("query RunUploadUrls($name: String!, $files: [String]!, $entity: String, $run: String!, $description: String) {"
         " model(name: $name, entityName: $entity) { bucket(name: $run, desc: $description) {"
         " id files(names: $files) { uploadHeaders edges { node { name url(upload: true) updatedAt } } } } } }")
    _, body, _ = gql(server, q, {"name": "proj", "run": "leg", "files": ["a.txt"]})
    edge = body["data"]["model"]["bucket"]["files"]["edges"][0]["node"]
    assert edge["name"] == "a.txt"
    assert call(edge["url"], "PUT", b"hi")[0] == 200
    assert server.run_state("leg")["files"]["a.txt"]["text"] == "hi"


# ---------------------------------------------------------------- faults

def test_fault_status_count_then_success(server):
    server.set_faults([{"endpoint": "graphql", "status": 503, "count": 2}])
    statuses = [gql(server, "{ viewer { id } }")[0] for _ in range(3)]
    assert statuses == [503, 503, 200]
    faults = admin(server, "faults")[1]["rules"]
    assert faults[0]["fired"] == 2 and faults[0]["exhausted"] is True


def test_fault_429_with_retry_after(server):
    upsert(server, name="rl")
    admin(server, "faults", {"rules": [{"endpoint": "file_stream", "status": 429, "retry_after": 3,
                                        "count": 1, "headers": {"RateLimit-Remaining": "0",
                                                                "RateLimit-Reset": "3"}}]})
    status, body, headers = fs(server, "rl", {})
    assert status == 429 and headers["Retry-After"] == "3"
    assert headers["RateLimit-Remaining"] == "0"
    assert fs(server, "rl", {})[0] == 200


def test_fault_specific_statuses_for_one_operation(server):
    server.set_faults([{"endpoint": "graphql", "operation": "UpsertBucket", "status": 409, "count": 1},
                       {"endpoint": "file_stream", "status": 403, "count": 1},
                       {"endpoint": "file_stream", "status": 404, "count": 1}])
    assert gql(server, "query Viewer { viewer { id } }")[0] == 200  # other operations unaffected
    status, body, _ = gql(server, UPSERT, {"name": "c1", "project": "proj"}, op="UpsertBucket")
    assert status == 409 and body["errors"]
    assert upsert(server, name="c1")["data"]["upsertBucket"]["inserted"] is True
    assert [fs(server, "c1", {})[0] for _ in range(3)] == [403, 404, 200]
    assert server.run_state("c1")["file_stream_requests"] == 1  # failed ones were not applied


def test_fault_401_for_next_n_requests(server):
    server.set_faults([{"endpoint": "graphql", "status": 401, "count": 1}])
    assert gql(server, "{ viewer { id } }")[0] == 401
    assert gql(server, "{ viewer { id } }")[0] == 200


def test_fault_reset_and_close_connections(server):
    server.set_faults([{"endpoint": "graphql", "action": "reset", "count": 1},
                       {"endpoint": "graphql", "action": "close", "count": 1}])
    with pytest.raises((ConnectionResetError, hc.RemoteDisconnected, urllib.error.URLError)):
        gql(server, "{ viewer { id } }")
    with pytest.raises((ConnectionResetError, hc.RemoteDisconnected, urllib.error.URLError)):
        gql(server, "{ viewer { id } }")
    assert gql(server, "{ viewer { id } }")[0] == 200
    log = server.requests("graphql")
    assert [r.get("fault") for r in log] == ["reset", "close", None]
    assert log[0]["status"] is None and log[0]["body"]["query"]  # the body was received


def test_fault_reset_before_body(server):
    upsert(server, name="rb")
    server.set_faults([{"endpoint": "file_stream", "action": "reset", "when": "before_body", "count": 1}])
    conn = hc.HTTPConnection("127.0.0.1", server.port, timeout=10)
    big = json.dumps({"files": {"output.log": {"offset": 0, "content": ["x" * 1000] * 2000}}})
    with pytest.raises((ConnectionResetError, BrokenPipeError, hc.RemoteDisconnected)):
        conn.request("POST", "/files/%s/proj/rb/file_stream" % server.entity, big,
                     {"Authorization": auth(), "Content-Type": "application/json"})
        conn.getresponse().read()
    conn.close()
    assert fs(server, "rb", {})[0] == 200


def test_fault_applied_then_failed_resend_overwrites(server):
    """apply=true: stored, but the client sees a failure and resends the same offsets."""
    upsert(server, name="ap")
    server.set_faults([{"endpoint": "file_stream", "status": 500, "apply": True, "count": 1}])
    body = {"files": {"wandb-history.jsonl": {"offset": 0, "content": ['{"_step":0}', '{"_step":1}']}}}
    assert fs(server, "ap", body)[0] == 500
    assert fs(server, "ap", body)[0] == 200
    r = server.run_state("ap")
    assert len(r["history"]) == 2 and r["history_overwrites"] == 2
    assert r["file_stream_requests"] == 2


def test_fault_matching_a_file_stream_file(server):
    upsert(server, name="ff")
    server.set_faults([{"endpoint": "file_stream", "file": "wandb-history.jsonl", "status": 503}])
    assert fs(server, "ff", {"files": {"wandb-events.jsonl": {"offset": 0, "content": ["{}"]}}})[0] == 200
    assert fs(server, "ff", {"files": {"wandb-history.jsonl": {"offset": 0, "content": ["{}"]}}})[0] == 503
    assert fs(server, "ff", {})[0] == 200


def test_fault_delay(server):
    server.set_faults([{"endpoint": "graphql", "action": "delay", "delay_ms": 300, "count": 1}])
    t0 = time.monotonic()
    assert gql(server, "{ viewer { id } }")[0] == 200
    assert time.monotonic() - t0 >= 0.3
    t0 = time.monotonic()
    gql(server, "{ viewer { id } }")
    assert time.monotonic() - t0 < 0.3
    # A slow answer longer than the client's timeout looks like a hang to it.
    server.set_faults([{"endpoint": "graphql", "delay_ms": 1500, "count": 1}])
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        gql(server, "{ viewer { id } }", timeout=0.5)


def test_fault_rate_is_reproducible_with_seed(server):
    def pattern():
        server.set_faults([{"endpoint": "graphql", "status": 502, "rate": 0.5}], seed=1234)
        return [gql(server, "{ viewer { id } }")[0] for _ in range(20)]
    a, b = pattern(), pattern()
    assert a == b and 502 in a and 200 in a


def test_fault_after_skips_first_requests(server):
    server.set_faults([{"endpoint": "graphql", "status": 500, "after": 2, "count": 1}])
    assert [gql(server, "{ viewer { id } }")[0] for _ in range(4)] == [200, 200, 500, 200]


def test_faults_from_constructor_and_admin_clear():
    with wbserver.WBServer(faults=[{"endpoint": "any", "status": 502}], seed=3) as srv:
        assert gql(srv, "{ viewer { id } }")[0] == 502
        assert admin(srv, "faults", method="DELETE")[0] == 200
        assert gql(srv, "{ viewer { id } }")[0] == 200


def test_bad_fault_spec_is_400(server):
    status, body, _ = admin(server, "faults", {"rules": [{"action": "explode"}]})
    assert status == 400


# ---------------------------------------------------------------- admin

def test_admin_state_log_and_reset(server):
    upsert(server, name="st")
    fs(server, "st", {"files": {"wandb-history.jsonl": {"offset": 0, "content": ['{"_step":0}']}}})
    status, st, _ = admin(server, "state")
    assert status == 200
    assert [r["name"] for r in st["runs"]] == ["st"]
    kinds = [(r["endpoint"], r.get("operation"), r["status"]) for r in st["requests"]]
    assert kinds == [("graphql", "UpsertBucket", 200), ("file_stream", None, 200)]
    assert st["requests"][0]["body"]["variables"]["name"] == "st"
    assert st["requests"][0]["response"]["data"]["upsertBucket"]["inserted"] is True
    assert "requests" not in admin(server, "state?requests=0")[1]
    assert [r["seq"] for r in admin(server, "state?since=1")[1]["requests"]] == [2]
    assert admin(server, "reset", {})[0] == 200
    st = admin(server, "state")[1]
    assert st["runs"] == [] and st["requests"] == []


def test_admin_state_strict_json_for_non_finite_numbers(server):
    upsert(server, name="nan")
    fs(server, "nan", {"files": {"wandb-summary.json": {"offset": 0, "content": ['{"a":NaN,"b":-Infinity}']}}})
    status, raw, _ = call(server.url + "/_admin/state?strict=1&requests=0")
    run = raw["runs"][0]
    assert run["summary"] == {"a": "NaN", "b": "-Infinity"}
    # Without strict, the bare tokens are kept (as W&B clients send them).
    status, raw, _ = call(server.url + "/_admin/state?requests=0")
    assert raw["runs"][0]["summary"]["a"] != raw["runs"][0]["summary"]["a"]  # parsed back as NaN
    conn = hc.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/_admin/state?requests=0")
    assert b'"a":NaN' in conn.getresponse().read()
    conn.close()


def test_request_log_without_bodies():
    with wbserver.WBServer(log_bodies=False) as srv:
        upsert(srv, name="nb")
        entry = srv.requests("graphql")[0]
        assert "body" not in entry and "response" not in entry and entry["body_size"] > 0
        assert entry["operation"] == "UpsertBucket"


def test_request_log_keeps_the_newest_entries():
    with wbserver.WBServer(max_log=3) as srv:
        for _ in range(5):
            gql(srv, "{ viewer { id } }")
        st = srv.state()
        assert [r["seq"] for r in st["requests"]] == [3, 4, 5]
        assert st["requests_dropped"] == 2 and st["request_count"] == 5


def test_admin_config_changes_key_and_entity(server):
    admin(server, "config", {"api_key": "k" * 40, "entity": "team-x"})
    assert gql(server, "{ viewer { id } }")[0] == 401
    _, body, _ = gql(server, "{ viewer { entity } }", key="k" * 40)
    assert body["data"]["viewer"]["entity"] == "team-x"
    admin(server, "config", {"api_key": None})
    assert gql(server, "{ viewer { id } }", key="anything")[0] == 200


# ---------------------------------------------------------------- TLS

def test_tls_refused_by_default_accepted_with_ca(tls_server):
    assert tls_server.url.startswith("https://127.0.0.1:")
    with pytest.raises(urllib.error.URLError) as ei:
        gql(tls_server, "{ viewer { id } }", context=ssl.create_default_context())
    assert isinstance(ei.value.reason, ssl.SSLCertVerificationError)
    ctx = ssl.create_default_context(cafile=tls_server.ca_file)
    status, body, _ = gql(tls_server, "{ viewer { entity } }", context=ctx)
    assert status == 200 and body["data"]["viewer"]["entity"] == wbserver.DEFAULT_ENTITY
    deadline = time.time() + 5
    while not tls_server.state()["tls_errors"] and time.time() < deadline:
        time.sleep(0.05)
    assert tls_server.state()["tls_errors"]  # the refused handshake is recorded
    for name in ("ca.pem", "server.pem", "server.key"):
        assert os.path.exists(os.path.join(os.path.dirname(tls_server.ca_file), name))


def test_tls_certs_with_cryptography_fallback(tmp_path):
    pytest.importorskip("cryptography")
    paths = wbserver._make_tls_certs_cryptography(
        {n: str(tmp_path / n) for n in ("ca.pem", "ca.key", "server.pem", "server.key")},
        ("127.0.0.1", "localhost"), 1)
    ctx = ssl.create_default_context(cafile=paths["ca.pem"])
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(paths["server.pem"], paths["server.key"])
    assert ctx.verify_mode == ssl.CERT_REQUIRED


# ---------------------------------------------------------------- command line

def _wait_for(path, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and open(path).read().strip():
            return open(path).read().strip()
        time.sleep(0.05)
    raise AssertionError("%s not written" % path)


def test_command_line_refuses_non_loopback_host():
    r = subprocess.run([sys.executable, os.path.join(HERE, "wbserver.py"), "--host", "0.0.0.0"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "loopback" in r.stderr


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_command_line_exit_with_parent(tmp_path):
    ready = tmp_path / "port"
    # A shell starts the server in the background, waits until it listens, exits.
    script = ('"$0" "$1" --port 0 --ready-file "$2" --exit-with-parent >/dev/null 2>&1 & '
              'while [ ! -s "$2" ]; do sleep 0.05; done; echo $!')
    sh = subprocess.run(["sh", "-c", script, sys.executable, os.path.join(HERE, "wbserver.py"),
                         str(ready)], capture_output=True, text=True, timeout=30)
    pid = int(sh.stdout.strip())
    deadline = time.time() + 15
    while _alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        raise AssertionError("server outlived its parent")


@pytest.mark.parametrize("how", ["script", "module"])
def test_command_line(tmp_path, how):
    ready = tmp_path / "port"
    info = tmp_path / "info.json"
    state = tmp_path / "state.json"
    args = ["--port", "0", "--ready-file", str(ready), "--info-file", str(info),
            "--state-file", str(state), "--faults", '[{"endpoint":"graphql","status":503,"count":1}]']
    if how == "script":
        cmd = [sys.executable, os.path.join(HERE, "wbserver.py")] + args
        cwd = str(tmp_path)
    else:
        cmd = [sys.executable, "-m", "tests.server"] + args
        cwd = ROOT
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(_wait_for(str(ready)))
        assert int(proc.stdout.readline()) == port
        meta = json.loads(_wait_for(str(info)))
        assert meta["url"] == "http://127.0.0.1:%d" % port and meta["pid"] == proc.pid
        body = {"query": "{ viewer { entity } }"}
        url = "http://127.0.0.1:%d/graphql" % port
        assert call(url, "POST", body, {"Authorization": auth()})[0] == 503
        assert call(url, "POST", body, {"Authorization": auth()})[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert proc.returncode == 0
    st = json.loads(state.read_text())
    assert [r["status"] for r in st["requests"]] == [503, 200]
