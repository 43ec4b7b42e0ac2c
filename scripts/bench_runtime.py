"""Init time and peak RSS of the function binaries against a local Lambda Runtime API stub.

Init time: process start until its first GET /2018-06-01/runtime/invocation/next (median of N
runs), next to a plain lambda_runtime hello-world. Cold first invocation: process start until the
response to one real event (against the local endpoint and a Graph stub served here), what a
customer waits for after a quiet hour. RSS: VmHWM after replaying E events.
"""
import base64, hashlib, hmac, json, os, statistics, subprocess, sys, threading, time, zipfile, io
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
EVENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = b"bench-app-secret"
PAGE = "104729384756123"

class Stub(BaseHTTPRequestHandler):
    events = []          # what /next hands out, in order
    first_next = None
    first_response = None
    served = 0
    done = threading.Event()

    def log_message(self, *a):
        pass

    def do_GET(self):
        cls = type(self)
        if self.path.startswith("/graph"):
            return self.graph({"name": "Bench Customer", "id": "1"})
        if cls.first_next is None:
            cls.first_next = time.perf_counter()
        if cls.served >= len(cls.events):
            cls.done.set()
            time.sleep(5)
            self.send_response(500); self.end_headers(); return
        body = json.dumps(cls.events[cls.served]).encode()
        cls.served += 1
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", f"req-{cls.served}")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def graph(self, answer):
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        if self.path.startswith("/graph"):
            return self.graph({"recipient_id": "1", "message_id": f"m_out_{time.time_ns()}"})
        cls = type(self)
        if cls.first_response is None and self.path.endswith(("/response", "/error")):
            cls.first_response = time.perf_counter()
        self.send_response(202); self.send_header("Content-Length", "0"); self.end_headers()

def serve(events):
    """A stub with state of its own: a request still in flight from the run before (its process
    killed, its server shut down) must not take this run's event, or the new process gets the
    empty-queue 500 for its first event."""
    state = type("RunStub", (Stub,), {"events": list(events), "first_next": None,
                                      "first_response": None, "served": 0, "done": threading.Event()})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), state)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, state

def env(table, topic, runtime):
    e = dict(os.environ)
    e.update({
        "AWS_LAMBDA_RUNTIME_API": runtime, "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "1", "AWS_LAMBDA_LOG_GROUP_NAME": "bench", "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "TABLE_NAME": table, "TOPIC_ARN": topic, "META_APP_ID": "555", "META_APP_SECRET": SECRET.decode(),
        "META_VERIFY_TOKEN": "v", "META_PAGE_TOKENS": json.dumps({PAGE: "t"}), "GRAPH_API_BASE": "http://127.0.0.1:9/graph",
        "RESUME_BASE_URL": "https://r.example", "LINK_KEYS": "b1:YmVuY2gtb25seS1saW5rLWtleS0zMi1ieXRlcy1sb25nIQ==",
        "POLICY_FILE": os.path.join(ROOT, "config/policy.toml"), "KNOWLEDGE_FILE": os.path.join(ROOT, "config/knowledge.toml"),
        "RUST_LOG": "error", "AWS_LAMBDA_LOG_LEVEL": "error",
    })
    return e

def time_until(binary, e, events, mark, runs, limit_s, what):
    """Median ms from process start until the stub records `mark` ("first_next" or
    "first_response"), each run with a fresh stub serving `events`."""
    times = []
    for _ in range(runs):
        srv, stub = serve(events)
        port = srv.server_address[1]
        e["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{port}"
        e["GRAPH_API_BASE"] = f"http://127.0.0.1:{port}/graph"
        start = time.perf_counter()
        p = subprocess.Popen([binary], env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while getattr(stub, mark) is None and time.perf_counter() < start + limit_s and p.poll() is None:
            time.sleep(0.0005)
        if getattr(stub, mark) is None:
            raise SystemExit(f"{binary} never {what} (exit {p.poll()})")
        times.append((getattr(stub, mark) - start) * 1000)
        p.kill(); p.wait(); srv.shutdown()
    return statistics.median(times)

def init_time(binary, e):
    return time_until(binary, e, [], "first_next", RUNS, 10, "asked for an event")

def cold_first(binary, e, event, runs):
    """Median ms from process start to the runtime receiving the response to `event`."""
    return time_until(binary, e, [event], "first_response", runs, 30, "answered its first event")

def peak_rss(binary, e, events):
    srv, stub = serve(events)
    e["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{srv.server_address[1]}"
    p = subprocess.Popen([binary], env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stub.done.wait(timeout=600)
    with open(f"/proc/{p.pid}/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
    p.kill(); p.wait(); srv.shutdown()
    return hwm / 1024, stub.served

def url_event(method, path, body=None, headers=None):
    h = {"host": "bench.lambda-url.us-east-1.on.aws"}
    h.update(headers or {})
    return {"version": "2.0", "rawPath": path, "rawQueryString": "", "headers": h,
            "requestContext": {"http": {"method": method, "path": path}, "timeEpoch": 0},
            "body": body, "isBase64Encoded": False}

def main():
    ddb = boto3.client("dynamodb"); sns = boto3.client("sns")
    table = f"bench{int(time.time())}"
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "escalations-by-time", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}, {"AttributeName": "gsi1sk", "KeyType": "RANGE"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    topic = sns.create_topic(Name=table)["TopicArn"]
    e = env(table, topic, "")
    rel = os.environ.get("BENCH_BIN_DIR", os.path.join(ROOT, "target/release"))
    hello = init_time(os.path.join(rel, "handoff-bench-hello"), dict(e))

    ingest_events = []
    for i in range(EVENTS):
        body = json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [{
            "sender": {"id": f"8{i % 200:015d}"}, "recipient": {"id": PAGE}, "timestamp": 1795600000000 + i,
            "message": {"mid": f"m_bench_{i}", "text": "What are your opening hours?"}}]}]}, separators=(",", ":"))
        sig = "sha256=" + hmac.new(SECRET, body.encode(), hashlib.sha256).hexdigest()
        ingest_events.append(url_event("POST", "/webhook", body, {"x-hub-signature-256": sig}))
    with open(os.path.join(ROOT, "events/policy/stream-inbound-message.json")) as f:
        inbound = json.load(f)
    with open(os.path.join(ROOT, "events/escalate/stream-new-escalation.json")) as f:
        escalation = json.load(f)
    resume = [url_event("GET", "/resume/v1.b1.AAAA.BBBB")] * EVENTS
    replays = {
        "handoff-ingest": ingest_events,
        "handoff-policy": [inbound] * EVENTS,
        "handoff-escalate": [escalation] * EVENTS,
        "handoff-resume": resume,
    }
    rows = [("hello-world (lambda_runtime)", hello, None, None, os.path.join(rel, "handoff-bench-hello"))]
    cold = {}
    for name, events in replays.items():
        binary = os.path.join(rel, name)
        t = init_time(binary, dict(e))
        cold[name] = cold_first(binary, dict(e), events[0], max(5, RUNS // 2))
        rss, served = peak_rss(binary, dict(e), events)
        rows.append((name, t, rss, served, binary))
    print(f"\nInit time: median of {RUNS} runs, process start to first GET /next. Peak RSS over the replay.\n")
    print("| binary | init (ms) | × hello | peak RSS (MB) | events | size (MB) | zipped (MB) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, t, rss, served, binary in rows:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(binary, "bootstrap")
        size = os.path.getsize(binary) / 1e6
        rss_s = f"{rss:.1f}" if rss else "–"
        served_s = str(served) if served else "–"
        print(f"| {name} | {t:.1f} | {t / hello:.2f} | {rss_s} | {served_s} | {size:.1f} | {len(buf.getvalue()) / 1e6:.1f} |")

    print(f"\nCold first invocation: process start until the response to one real event (the first of the"
          f" replay above) against the local endpoint, median of {max(5, RUNS // 2)} runs:\n")
    print("| binary | init (ms) | cold first invocation (ms) | the event's share (ms) |")
    print("| --- | --- | --- | --- |")
    for name, t, _, _, _ in rows[1:]:
        print(f"| {name} | {t:.1f} | {cold[name]:.1f} | {cold[name] - t:.1f} |")

    # Secrets from SSM Parameter Store, as on Lambda (HANDOFF_SECRETS_PATH): the same binaries,
    # each reading its secrets at start from the local endpoint instead of the environment.
    ssm = boto3.client("ssm")
    path = f"/{table}"
    secrets = {"META_APP_SECRET": SECRET.decode(), "META_VERIFY_TOKEN": e["META_VERIFY_TOKEN"],
               "META_PAGE_TOKENS": e["META_PAGE_TOKENS"], "LINK_KEYS": e["LINK_KEYS"]}
    for var, value in secrets.items():
        ssm.put_parameter(Name=f"{path}/{var.lower().replace('_', '-')}", Value=value,
                          Type="SecureString", Overwrite=True)
    es = {k: v for k, v in e.items() if k not in secrets}
    es["HANDOFF_SECRETS_PATH"] = path
    print(f"\nSecrets read at start from SSM (one GetParameters against the local endpoint), median of {RUNS} runs:\n")
    print("| binary | init, secrets in the environment (ms) | init, secrets from SSM (ms) | added (ms) |")
    print("| --- | --- | --- | --- |")
    for name, t, _, _, binary in rows[1:]:
        ts = init_time(binary, dict(es))
        print(f"| {name} | {t:.1f} | {ts:.1f} | {ts - t:+.1f} |")

if __name__ == "__main__":
    main()
