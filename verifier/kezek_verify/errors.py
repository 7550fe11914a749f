"""The one error the verifier reports: the log, its proofs or the published lists do not check out."""


class VerificationFailed(Exception):
    """A check failed; the message is one line naming what, where, expected and found."""
