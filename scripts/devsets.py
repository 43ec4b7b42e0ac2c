"""Development splits for the answer engine, built from public data only (CLINC150 train/val/oos,
BANKING77 and HWU64 training lines), shared by scripts/calibrate, scripts/eval and scripts/curve.

A configuration is a knowledge file written the way a brand writes one (a few lines per intent as
an entry's questions), customers asking in their own words (other lines of the same intents), and
questions the file has no entry for (out-of-scope lines, other domains, and whole intents held
out: in a real FAQ the off-topic questions are often neighbours of the known ones).

- `calibration()`: only CLINC150 `train` and `oos_train` (what the calibrator is fitted on);
- `measurement()`: CLINC150 `val`/`oos_val`, BANKING77 and HWU64, which the calibrator never sees.
"""
import json
import os
import random
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("HANDOFF_DATA", os.path.join(ROOT, "..", "shared", "data"))

POLICY = """# Measures the answer engine alone: the built-in triggers are off (banking questions say
# "money" and "charge" all the time), small talk and the default threshold stay as shipped.
languages = ["en"]
[triggers.human_request]
enabled = false
[triggers.complaint]
enabled = false
[triggers.money]
enabled = false
[triggers.frustration]
enabled = false
"""


def handoff_binary():
    """$HANDOFF_BIN, or the command line built with the `profiling` profile (optimised, no LTO)."""
    b = os.environ.get("HANDOFF_BIN")
    if b:
        return b
    subprocess.run(["cargo", "build", "--profile", "profiling", "--quiet", "-p", "handoff-cli"],
                   cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "profiling", "handoff")


def load(path):
    with open(os.path.join(DATA, path)) as f:
        return [json.loads(line) for line in f if line.strip()]


def by_intent(rows, seed=None):
    out = {}
    for r in rows:
        out.setdefault(r["intent"], []).append(r["text"])
    if seed is not None:
        for i, texts in sorted(out.items()):
            random.Random(f"{seed}:{i}").shuffle(texts)
    return out


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def knowledge_toml(kb, outside=()):
    lines = []
    for intent, questions in kb.items():
        lines += ["[[entry]]", f"id = {toml_str(intent)}",
                  "questions = [" + ", ".join(toml_str(q) for q in questions) + "]",
                  f"answer = {toml_str('Answer for ' + intent.replace('_', ' '))}", ""]
    if outside:
        lines += ["[outside]", "examples = [" + ", ".join(toml_str(x) for x in outside) + "]"]
    return "\n".join(lines) + "\n"


class Config:
    """One knowledge file and the messages asked of it."""

    def __init__(self, name, kb, asked, off_topic, outside=()):
        self.name, self.kb, self.outside = name, kb, list(outside)
        self.messages = [(t, f"answer {i}") for i, texts in asked.items() for t in texts]
        self.messages += [(t, "escalate") for t in off_topic]

    def write_messages(self, path):
        """The messages as `handoff knowledge eval` reads them; returns `path`."""
        with open(path, "w") as f:
            for text, expect in self.messages:
                f.write(json.dumps({"text": text, "expect": expect}, ensure_ascii=False) + "\n")
        return path

    def write(self, directory):
        k = os.path.join(directory, "knowledge.toml")
        with open(k, "w") as f:
            f.write(knowledge_toml(self.kb, self.outside))
        m = self.write_messages(os.path.join(directory, "messages.jsonl"))
        p = os.path.join(directory, "policy.toml")
        with open(p, "w") as f:
            f.write(POLICY)
        return p, k, m


def clinc():
    return (by_intent(load("clinc150/train.jsonl")), by_intent(load("clinc150/val.jsonl")),
            [r["text"] for r in load("clinc150/oos_train.jsonl")],
            [r["text"] for r in load("clinc150/oos_val.jsonl")],
            json.load(open(os.path.join(DATA, "clinc150/domains.json"))))


def calibration():
    """Knowledge files of 5, 20 and 40 questions per entry (customers: `train` lines 80-100, never
    an entry's question), some with 200 `[outside]` examples, a third with whole intents held out
    as off-topic neighbours."""
    train, _, oos_train, _, domains = clinc()
    everything = sorted(train)
    out = []
    asked = lambda intents: {i: train[i][80:100] for i in intents}
    for d, intents in domains.items():
        others = [t for i in everything if i not in intents for t in train[i][60:80]]
        random.Random(d).shuffle(others)
        outside, far = others[:200], others[200:]
        for k in (5, 20, 40):
            kb = {i: train[i][:k] for i in intents}
            out.append(Config(f"clinc-train {d}, {k}", kb, asked(intents), oos_train + far[:200]))
        out.append(Config(f"clinc-train {d}, 20 + 200 [outside]", {i: train[i][:20] for i in intents},
                          asked(intents), oos_train + far[:200], outside))
        ii = list(intents)
        random.Random(d).shuffle(ii)
        known, held = ii[:10], ii[10:]
        for k in (5, 20, 40):
            kb = {i: train[i][:k] for i in known}
            out.append(Config(f"clinc-train {d} (10 known, 5 held out), {k}", kb, asked(known),
                              oos_train + [t for i in held for t in train[i][80:100]]))
    ii = list(everything)
    random.Random(0).shuffle(ii)
    known, held = ii[:100], ii[100:]
    for k in (5, 20):
        out.append(Config(f"clinc-train all (100 known, 50 held out), {k}",
                          {i: train[i][:k] for i in known}, {i: train[i][80:85] for i in known},
                          oos_train + [t for i in held for t in train[i][80:85]]))
    return out


def held_out(name, path, known_n, k, seed=7):
    groups = by_intent(load(path), seed=seed)
    intents = sorted(groups)
    random.Random(seed).shuffle(intents)
    known, held = intents[:known_n], intents[known_n:]
    return Config(f"{name}, {known_n} known, {len(held)} off-topic, {k}",
                  {i: groups[i][:k] for i in known}, {i: groups[i][20:40] for i in known},
                  [t for i in held for t in groups[i][20:40]])


def measurement(domains_only=None):
    train, val, oos_train, oos_val, domains = clinc()
    everything = sorted(train)
    out = []
    for k, n_outside in ((5, 0), (20, 1000)):
        for d, intents in domains.items():
            if domains_only and d not in domains_only:
                continue
            outside = []
            if n_outside:
                others = [t for i in everything if i not in intents for t in train[i]]
                random.Random(7).shuffle(others)
                outside = (oos_train + others)[:n_outside]
            off = oos_val + [t for i in everything if i not in intents for t in val[i]]
            name = f"CLINC150 {d}, {k}" + (f" + {n_outside} [outside]" if n_outside else "")
            out.append(Config(name, {i: train[i][:k] for i in intents}, {i: val[i] for i in intents},
                              off, outside))
    out.append(Config("CLINC150 all 150, 5", {i: train[i][:5] for i in everything},
                      {i: val[i] for i in everything}, oos_val))
    for k in (5, 20):
        out.append(held_out("BANKING77", "banking77/train.jsonl", 50, k))
    for k in (5, 20):
        out.append(held_out("HWU64", "hwu64/train.jsonl", 40, k))
    return out
