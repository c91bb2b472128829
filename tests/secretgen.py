"""Fake secrets in every provider's real format (valid checksums, decodable parts), made at
run time from a seed: no token-shaped string is stored in the repository, so no secret
scanner flags it, and none of them was ever a real credential.

``fill(template, rng)`` replaces ``{kind}`` fields (``{github}``, ``{aws_id}``...) with
fresh fakes; ``GENERATORS`` lists the kinds.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

ALNUM = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    while True:
        s = "".join(rng.choice(alphabet) for _ in range(n))
        # a fake must look drawn at random: no typed runs or placeholder words by chance
        low = s.lower()
        if not re.search(r"(.)\1{3,}|your|here|test|fake|demo|mock|put|foo|todo|tbd|enter|fill|example", low):
            return s


def _b62(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def github(rng: random.Random, prefix: str = "ghp_") -> str:
    body = _rand(rng, ALNUM, 30)
    return prefix + body + _b62(binascii.crc32(body.encode()))


def github_bad_crc(rng: random.Random) -> str:
    good = github(rng)
    return good[:-1] + ("A" if good[-1] != "A" else "B")


def _b64url(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def jwt(rng: random.Random) -> str:
    head = _b64url({"alg": "HS256", "typ": "JWT"})
    body = _b64url({"sub": str(rng.randrange(10**6)), "iat": 1700000000 + rng.randrange(10**6)})
    return f"{head}.{body}.{_rand(rng, ALNUM + '-_', 43)}"


def jwt_no_alg(rng: random.Random) -> str:
    head = _b64url({"typ": "JWT", "kid": "x"})
    body = _b64url({"sub": "42"})
    return f"{head}.{body}.{_rand(rng, ALNUM, 43)}"


def azure_key(rng: random.Random) -> str:
    return base64.b64encode(bytes(rng.randrange(256) for _ in range(64))).decode()


def pem(rng: random.Random) -> str:
    body = base64.b64encode(bytes(rng.randrange(256) for _ in range(240))).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----"


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "github": github,
    "github_oauth": lambda r: github(r, "gho_"),
    "github_app": lambda r: github(r, "ghs_"),
    "github_bad_crc": github_bad_crc,
    "github_pat": lambda r: f"github_pat_{_rand(r, ALNUM, 22)}_{_rand(r, ALNUM, 59)}",
    "aws_id": lambda r: "AKIA" + _rand(r, B32, 16),
    "aws_sts_id": lambda r: "ASIA" + _rand(r, B32, 16),
    "aws_secret": lambda r: _rand(r, ALNUM + "/+", 38) + r.choice("ab") + r.choice("12"),
    "slack_bot": lambda r: (
        f"xoxb-{r.randrange(10**11, 10**12)}-{r.randrange(10**12, 10**13)}-{_rand(r, ALNUM, 24)}"
    ),
    "slack_user": lambda r: (
        f"xoxp-{r.randrange(10**10, 10**11)}-{r.randrange(10**10, 10**11)}-"
        f"{r.randrange(10**12, 10**13)}-{_rand(r, HEX, 32)}"
    ),
    "slack_webhook": lambda r: (
        f"https://hooks.slack.com/services/T{_rand(r, B32, 8)}/B{_rand(r, B32, 10)}/{_rand(r, ALNUM, 24)}"
    ),
    "stripe_live": lambda r: "sk_" + "live_" + _rand(r, ALNUM, 99),
    "stripe_restricted": lambda r: "rk_" + "live_" + _rand(r, ALNUM, 99),
    "stripe_public": lambda r: "pk_" + "live_" + _rand(r, ALNUM, 99),
    "google": lambda r: "AIza" + _rand(r, ALNUM + "-_", 35),
    "openai_legacy": lambda r: "sk-" + _rand(r, ALNUM, 20) + "T3BlbkFJ" + _rand(r, ALNUM, 20),
    "openai_project": lambda r: "sk-proj-" + _rand(r, ALNUM + "-_", 156),
    "anthropic": lambda r: "sk-ant-api03-" + _rand(r, ALNUM + "-_", 93) + "AA",
    "sendgrid": lambda r: f"SG.{_rand(r, ALNUM + '-_', 22)}.{_rand(r, ALNUM + '-_', 43)}",
    "azure_key": azure_key,
    "gitlab": lambda r: "glpat-" + _rand(r, ALNUM + "-_", 20),
    "hf": lambda r: "hf_" + _rand(r, ALNUM, 34),
    "pypi": lambda r: "pypi-AgEIcHlwaS5vcmc" + _rand(r, ALNUM + "-_", 140),
    "jwt": jwt,
    "jwt_no_alg": jwt_no_alg,
    "pem": pem,
    "pem_json": lambda r: pem(r).replace("\n", "\\n"),  # as written inside a JSON string
    "pem_repr": lambda r: repr(pem(r)),  # a str shown by IPython
    "hex32": lambda r: _rand(r, HEX, 32),
    "hex40": lambda r: _rand(r, HEX, 40),
    "hex64": lambda r: _rand(r, HEX, 64),
    "random24": lambda r: _rand(r, ALNUM, 24),
    "random40": lambda r: _rand(r, ALNUM, 40),
    "password": lambda r: (
        _rand(r, string.ascii_letters, 5) + r.choice("!*~") + _rand(r, string.digits, 3) + _rand(r, ALNUM, 3)
    ),
    "uuid": lambda r: "-".join(_rand(r, HEX, n) for n in (8, 4, 4, 4, 12)),
}
_FIELD = re.compile(r"\{(" + "|".join(GENERATORS) + r")\}")


def fill(template: str, rng: random.Random) -> str:
    """The template with each ``{kind}`` field replaced by a fresh fake of that kind."""
    return _FIELD.sub(lambda m: GENERATORS[m.group(1)](rng), template)


def fake(kind: str, seed: int = 0) -> str:
    """One fake secret of a kind, the same for the same seed."""
    return GENERATORS[kind](random.Random(f"{kind}-{seed}"))


CASES = Path(__file__).resolve().parent / "data" / "secrets" / "cases.json"


def _fill_json(value: Any, rng: random.Random) -> Any:
    if isinstance(value, str):
        return fill(value, rng)
    if isinstance(value, list):
        return [_fill_json(v, rng) for v in value]
    if isinstance(value, dict):
        return {k: _fill_json(v, rng) for k, v in value.items()}
    return value


def load_cases(seed: int = 0) -> list[dict[str, Any]]:
    """The labelled set, its fields filled with fakes drawn from ``seed``."""
    raw = json.loads(CASES.read_text(encoding="utf-8"))["cases"]
    rng = random.Random(seed)
    out = []
    for case in raw:
        case = dict(case)
        case["text"] = fill(case["text"], rng)
        if "json" in case:
            case["json"] = _fill_json(case["json"], rng)
        out.append(case)
    return out


def case_cell(case: dict[str, Any]) -> dict[str, Any]:
    """A code cell for a case: its source (code) or one output of its kind."""
    import nbformat

    where = case["where"]
    if where == "code":
        return {"source": case["text"]}
    if where == "stream":
        out = nbformat.v4.new_output("stream", name=case.get("name", "stdout"), text=case["text"])
    elif where == "error":
        lines = case["text"].split("\n")
        out = nbformat.v4.new_output("error", ename="Error", evalue="", traceback=lines)
    else:
        value = case["json"] if "json" in case else case["text"]
        data = {where: value}
        if where != "text/plain":
            data["text/plain"] = "<IPython.core.display.Object object>"
        out = nbformat.v4.new_output("display_data", data=data)
    return {"source": "show(result)", "outputs": [out]}
