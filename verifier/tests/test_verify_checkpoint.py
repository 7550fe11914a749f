"""kezek_verify.checkpoint: C2SP tlog-checkpoint texts, strictly parsed, in a signed note."""

from __future__ import annotations

import base64

import pytest

from kezek_verify import note
from kezek_verify.checkpoint import Checkpoint, MalformedCheckpointError
from kezek_verify.tlog import EMPTY_HASH, record_hash

ROOT_B64 = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
ROOT = base64.b64decode(ROOT_B64)
SPEC_TEXT = f"example.com/behind-the-sofa\n20852163\n{ROOT_B64}\n"  # https://c2sp.org/tlog-checkpoint


def test_spec_example() -> None:
    cp = Checkpoint.parse(SPEC_TEXT)
    assert cp == Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    assert cp.format() == SPEC_TEXT
    assert Checkpoint.parse(SPEC_TEXT.encode()) == cp


def test_extensions_and_empty_tree() -> None:
    cp = Checkpoint("kezek.example/log", 0, EMPTY_HASH, ("ext one", "— ext two"))
    text = cp.format()
    assert text == "kezek.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\n— ext two\n"
    assert Checkpoint.parse(text) == cp


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        SPEC_TEXT[:-1],  # no final newline
        SPEC_TEXT + "\n",  # an empty extension line
        SPEC_TEXT + "ext\n\n",
        "example.com/log\n20852163\n",
        f"\n20852163\n{ROOT_B64}\n",
        f"example.com/log\n020852163\n{ROOT_B64}\n",
        f"example.com/log\n00\n{ROOT_B64}\n",
        f"example.com/log\n-1\n{ROOT_B64}\n",
        f"example.com/log\n+1\n{ROOT_B64}\n",
        f"example.com/log\n 1\n{ROOT_B64}\n",
        f"example.com/log\n1_000\n{ROOT_B64}\n",
        f"example.com/log\n\u0661\n{ROOT_B64}\n",
        f"example.com/log\n9223372036854775808\n{ROOT_B64}\n",
        f"example.com/log\n99999999999999999999\n{ROOT_B64}\n",
        f"example.com/log\n\n{ROOT_B64}\n",
        "example.com/log\n1\n\n",
        f"example.com/log\n1\n{ROOT_B64[:-1]}\n",
        f"example.com/log\n1\n{ROOT_B64[:-2]}J=\n",  # non-canonical base64
        f"example.com/log\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"example.com/log\n1\n{base64.b64encode(ROOT + b'x').decode()}\n",
        f"example.com/log\n1\n{ROOT.hex()}\n",
        f"example.com/log\n1\n{base64.urlsafe_b64encode(ROOT).decode()}\n",
        f"example.com/log\r\n1\n{ROOT_B64}\n",
        f"example.com/\tlog\n1\n{ROOT_B64}\n",
        f"example.com/log\n1\n{ROOT_B64}\next\x00\n",
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(MalformedCheckpointError):
        Checkpoint.parse(text)


def test_malformed_bytes_and_values() -> None:
    with pytest.raises(MalformedCheckpointError):
        Checkpoint.parse(b"\xffexample.com/log\n1\n" + ROOT_B64.encode() + b"\n")
    with pytest.raises(MalformedCheckpointError):
        Checkpoint.parse(None)  # type: ignore[arg-type]
    for origin, size, root, ext in [
        ("", 1, ROOT, ()),
        ("a\nb", 1, ROOT, ()),
        ("log", -1, ROOT, ()),
        ("log", 1 << 63, ROOT, ()),
        ("log", True, ROOT, ()),
        ("log", 1, ROOT[:31], ()),
        ("log", 1, ROOT_B64, ()),
        ("log", 1, ROOT, ("",)),
        ("log", 1, ROOT, ("a\nb",)),
        ("log", 1, ROOT, ["ext"]),
    ]:
        with pytest.raises(MalformedCheckpointError):
            Checkpoint(origin, size, root, ext)  # type: ignore[arg-type]


def test_signed_checkpoint_round_trip() -> None:
    skey, vkey = note.generate_key("kezek.example/log", seed=bytes(range(32)))
    cp = Checkpoint("kezek.example/log", 8, record_hash(b"root"))
    msg = note.sign(cp.format(), note.new_signer(skey))
    opened = note.open(msg, [note.new_verifier(vkey)])
    assert Checkpoint.parse(opened.text) == cp
    assert [s.name for s in opened.sigs] == [cp.origin]
