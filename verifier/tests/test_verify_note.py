"""kezek_verify.note: Go's sumdb/note tests (note_test.go, example_test.go), the C2SP signed-note example."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kezek_verify import note
from kezek_verify.note import (
    AmbiguousVerifierError,
    Ed25519Signer,
    InvalidSignatureError,
    InvalidSignerError,
    MalformedKeyError,
    MalformedNoteError,
    MismatchedVerifierError,
    Note,
    NoteError,
    Signature,
    UnknownKeyAlgorithmError,
    UnknownVerifierError,
    UnverifiedNoteError,
    Verifier,
    VerifierList,
    generate_key,
    new_ed25519_verifier_key,
    new_signer,
    new_verifier,
    sign,
)

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER = Signature(
    "PeterNeumann",
    0xC74F20A3,
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
)
ENOCH = Signature(
    "EnochRoot",
    0xAF0CFE78,
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=",
)
PETER_SIG = f"— PeterNeumann {PETER.base64}\n"
ENOCH_SIG = f"— EnochRoot {ENOCH.base64}\n"


def abcd(line: str) -> str:
    """Go's line[:60] + "ABCD" + line[60:], on bytes ("—" is three of them)."""
    b = line.encode()
    return (b[:60] + b"ABCD" + b[60:]).decode()


def manglings(key: str) -> list[str]:
    """Every proper substring of key, and key with each character incremented (Go's manglings)."""
    n = len(key)
    out = [key[i:j] for i in range(n + 1) for j in range(i + 1, n + 1) if (i, j) != (0, n)]
    out += [key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))]
    return out


def test_new_verifier() -> None:
    v = new_verifier(PETER_VKEY)
    assert (v.name, v.key_hash) == ("PeterNeumann", 0xC74F20A3)
    for bad in manglings(PETER_VKEY):
        with pytest.raises(NoteError):
            new_verifier(bad)
    # Wrong length key, with adjusted key hash.
    with pytest.raises(MalformedKeyError):
        new_verifier("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
    # Unknown algorithm, with adjusted key hash.
    with pytest.raises(UnknownKeyAlgorithmError):
        new_verifier("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    for bad_type in [None, b"PeterNeumann+c74f20a3+ARpc", 17]:
        with pytest.raises(MalformedKeyError):
            new_verifier(bad_type)  # type: ignore[arg-type]


def test_new_signer() -> None:
    s = new_signer(PETER_SKEY)
    assert (s.name, s.key_hash) == ("PeterNeumann", 0xC74F20A3)
    for bad in manglings(PETER_SKEY):
        with pytest.raises(NoteError):
            new_signer(bad)
    with pytest.raises(MalformedKeyError):
        new_signer(None)  # type: ignore[arg-type]


def check_signer_and_verifier(name: str, signer: note.Signer, verifier: Verifier) -> None:
    """Go's testSignerAndVerifier."""
    assert signer.name == verifier.name == name
    assert signer.key_hash == verifier.key_hash
    msg = b"hi"
    sig = signer.sign(msg)
    assert verifier.verify(msg, sig)
    assert not verifier.verify(msg, bytes([sig[0] + 1]) + sig[1:])
    assert not verifier.verify(b"ii", sig)
    assert not verifier.verify(msg, sig[:-1])
    assert not verifier.verify(msg, sig + b"\x00")


def test_generate_key() -> None:
    skey, vkey = generate_key("EnochRoot")
    check_signer_and_verifier("EnochRoot", new_signer(skey), new_verifier(vkey))
    assert generate_key("EnochRoot") != (skey, vkey)
    for bad_name in ["", "a b", "a+b", "a\u3000b", "a\nb"]:
        with pytest.raises(MalformedKeyError):
            generate_key(bad_name)
    with pytest.raises(MalformedKeyError):
        generate_key("EnochRoot", seed=bytes(31))


def test_generate_key_from_zero_seed_is_gos_enoch_root() -> None:
    """Go's example_test generates EnochRoot's key from a reader of zero bytes: the same key here."""
    skey, vkey = generate_key("EnochRoot", seed=bytes(32))
    assert vkey == ENOCH_VKEY
    assert skey == "PRIVATE+KEY+EnochRoot+af0cfe78+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def test_from_ed25519() -> None:
    """Go's TestFromEd25519."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    vkey = new_ed25519_verifier_key("EnochRoot", public)
    verifier = new_verifier(vkey)
    signer = Ed25519Signer("EnochRoot", verifier.key_hash, private)
    check_signer_and_verifier("EnochRoot", signer, verifier)
    assert signer.verifier().public_key == verifier.public_key == public
    with pytest.raises(MalformedKeyError, match="invalid public key size 31"):
        new_ed25519_verifier_key("EnochRoot", public[:-1])


def test_sign() -> None:
    signer = new_signer(PETER_SKEY)
    want = (TEXT + "\n" + PETER_SIG).encode()
    assert sign(Note(text=TEXT), signer) == want
    assert sign(TEXT, signer) == want
    # An existing signature by the same key is replaced.
    assert sign(Note(text=TEXT, sigs=[Signature("PeterNeumann", 0xC74F20A3, "BADSIGN=")]), signer) == want

    with pytest.raises(MalformedNoteError, match="malformed note"):
        sign(Note(text="abc"), signer)
    with pytest.raises(MalformedNoteError, match="malformed note"):
        sign(Note(text=TEXT, sigs=[Signature("a+b", 0, "ABCD")]))
    with pytest.raises(MalformedNoteError, match="malformed note"):
        sign(Note(text=TEXT, sigs=[Signature("PeterNeumann", 0xC74F20A3, "BADHASH=")]))

    class BadSigner:
        name = "bad name"
        key_hash = 0xC74F20A3

        def sign(self, msg: bytes) -> bytes:
            return signer.sign(msg)

    with pytest.raises(InvalidSignerError, match="invalid signer"):
        sign(Note(text=TEXT), BadSigner())

    class Surprise(Exception):
        pass

    class ErrSigner:
        name = "PeterNeumann"
        key_hash = 0xC74F20A3

        def sign(self, msg: bytes) -> bytes:
            raise Surprise

    with pytest.raises(Surprise):
        sign(Note(text=TEXT), ErrSigner())


def test_sign_add_signatures() -> None:
    """Go's ExampleSign_add_signatures: a note opened with Peter's key, re-signed by EnochRoot."""
    n = note.open((TEXT + "\n" + PETER_SIG).encode(), VerifierList(new_verifier(PETER_VKEY)))
    me = new_signer(generate_key("EnochRoot", seed=bytes(32))[0])
    assert sign(n, me) == (TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode()


def test_verifier_list() -> None:
    peter, enoch = new_verifier(PETER_VKEY), new_verifier(ENOCH_VKEY)
    known = VerifierList(peter, enoch, enoch)
    assert known.verifier("PeterNeumann", 0xC74F20A3) is peter
    with pytest.raises(UnknownVerifierError, match=r"^unknown key PeterNeumann\+c74f20a4$"):
        known.verifier("PeterNeumann", 0xC74F20A4)
    with pytest.raises(UnknownVerifierError, match=r"^unknown key PeterNeuman\+c74f20a3$"):
        known.verifier("PeterNeuman", 0xC74F20A3)
    with pytest.raises(AmbiguousVerifierError, match=r"^ambiguous key EnochRoot\+af0cfe78$"):
        known.verifier("EnochRoot", 0xAF0CFE78)


class FixedVerifier:
    """Go's fixedVerifier: answers every lookup with the same Verifier."""

    def __init__(self, v: Verifier) -> None:
        self.v = v

    def verifier(self, name: str, key_hash: int) -> Verifier:
        return self.v


def test_open() -> None:
    peter, enoch = new_verifier(PETER_VKEY), new_verifier(ENOCH_VKEY)
    msg = (TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode()

    # One signature verified, one not.
    n = note.open(msg, VerifierList(peter))
    assert n.text == TEXT
    assert n.sigs == [PETER]
    assert n.unverified_sigs == [ENOCH]

    # Both verified (a plain list of verifiers works too).
    n = note.open(msg, [peter, enoch])
    assert n.sigs == [PETER, ENOCH]
    assert n.unverified_sigs == []

    # Both unverified.
    with pytest.raises(UnverifiedNoteError, match=r"^note has no verifiable signatures$") as e:
        note.open(msg, VerifierList())
    assert e.value.note.sigs == []
    assert e.value.note.unverified_sigs == [PETER, ENOCH]
    with pytest.raises(UnverifiedNoteError):
        note.open(msg, None)

    # Duplicated verifier.
    with pytest.raises(AmbiguousVerifierError, match=r"^ambiguous key EnochRoot\+af0cfe78$"):
        note.open((TEXT + "\n" + ENOCH_SIG).encode(), VerifierList(enoch, peter, enoch))
    # Unused duplicated verifier.
    note.open((TEXT + "\n" + PETER_SIG).encode(), VerifierList(enoch, peter, enoch))

    # Too many signatures.
    for known in [VerifierList(peter), VerifierList()]:
        with pytest.raises(MalformedNoteError, match=r"^malformed note$"):
            note.open((TEXT + "\n" + PETER_SIG * 101).encode(), known)

    # Invalid signature.
    with pytest.raises(InvalidSignatureError, match=r"^invalid signature for key PeterNeumann\+c74f20a3$"):
        note.open((TEXT + "\n" + abcd(PETER_SIG)).encode(), VerifierList(peter))

    # Duplicated verified and unverified signatures.
    enoch_abcd = Signature("EnochRoot", 0xAF0CFE78, ENOCH.base64[:46] + "ABCD" + ENOCH.base64[46:])
    n = note.open(
        (TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + abcd(ENOCH_SIG)).encode(),
        VerifierList(peter),
    )
    assert n.sigs == [PETER]
    assert n.unverified_sigs == [ENOCH, enoch_abcd]

    # Invalid encoded message syntax.
    bad_msgs = [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + f"— Bad Name {PETER.base64}",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    ]
    for bad in [m.encode() for m in bad_msgs] + [b"\xff" + (TEXT + "\n" + PETER_SIG).encode()]:
        with pytest.raises(MalformedNoteError, match=r"^malformed note$"):
            note.open(bad, VerifierList(peter))

    # The Verifiers return a Verifier for the wrong name or hash.
    misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego")
    with pytest.raises(MismatchedVerifierError):
        note.open((TEXT + "\n" + misnamed).encode(), FixedVerifier(peter))
    wrong_hash = PETER_SIG.replace("x08g", "xxxx")
    with pytest.raises(MismatchedVerifierError):
        note.open((TEXT + "\n" + wrong_hash).encode(), FixedVerifier(peter))


@pytest.mark.parametrize(
    "msg",
    [
        b"",
        b"\n\n",
        b"text\n\n\n",
        (TEXT + "\n" + "— PeterNeumann\n").encode(),
        (TEXT + "\n" + "— PeterNeumann \n").encode(),
        (TEXT + "\n" + "—  x08go/ZJku\n").encode(),
        (TEXT + "\n" + "— PeterNeumann AAAAAA==\n").encode(),  # under 5 bytes
        (TEXT + "\n" + PETER_SIG.replace("AM=", "AN=")).encode(),  # non-canonical base64
        (TEXT + "\n" + PETER_SIG.replace("=", "")).encode(),  # no padding
        (TEXT + "\n" + PETER_SIG.replace("x08g", "x08 g")).encode(),
        (TEXT + "\n" + PETER_SIG.replace("— ", "-- ")).encode(),
        (TEXT + "\n" + PETER_SIG.replace("\n", "\r\n")).encode(),
        (TEXT + "\n" + PETER_SIG + "\n").encode(),
        (TEXT.replace("\n", "\t", 1) + "\n" + PETER_SIG).encode(),
        b"\xed\xa0\x80\n\n" + PETER_SIG.encode(),  # an encoded surrogate is not UTF-8
        (TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter\u00a0Neumann")).encode(),
        (TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter+Neumann")).encode(),
    ],
)
def test_open_malformed(msg: bytes) -> None:
    with pytest.raises(MalformedNoteError):
        note.open(msg, VerifierList(new_verifier(PETER_VKEY)))


def test_open_not_bytes() -> None:
    with pytest.raises(MalformedNoteError):
        note.open(TEXT + "\n" + PETER_SIG, VerifierList(new_verifier(PETER_VKEY)))  # type: ignore[arg-type]


def test_text_may_contain_blank_lines() -> None:
    """The text ends at the last blank line (signed-note)."""
    signer = new_signer(PETER_SKEY)
    text = "first\n\nsecond\n\n\nthird\n"
    n = note.open(sign(text, signer), [new_verifier(PETER_VKEY)])
    assert n.text == text


def test_c2sp_signed_note_example() -> None:
    """The example of https://c2sp.org/signed-note: this verifier key verifies this note."""
    vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    msg = (
        "This is an example message.\n\n"
        "— example.com/foo "
        "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    ).encode()
    n = note.open(msg, [new_verifier(vkey)])
    assert n.text == "This is an example message.\n"
    assert n.sigs == [Signature("example.com/foo", 0x530D903A, msg.decode().split(" ")[-1].strip())]
    with pytest.raises(InvalidSignatureError):
        note.open(msg.replace(b"example message", b"example massage"), [new_verifier(vkey)])


def test_errors_are_value_errors() -> None:
    for cls in [
        MalformedNoteError,
        InvalidSignerError,
        MismatchedVerifierError,
        MalformedKeyError,
        UnknownKeyAlgorithmError,
        UnknownVerifierError,
        AmbiguousVerifierError,
        InvalidSignatureError,
        UnverifiedNoteError,
    ]:
        assert issubclass(cls, NoteError)
    assert issubclass(NoteError, ValueError)
