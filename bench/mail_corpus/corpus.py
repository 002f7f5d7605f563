"""The real-world mail corpus: public messages nobody here wrote, each labelled by its own source (manifest.csv,
written by build_manifest.py), read straight from the git snapshots of the repositories that publish them, and how
`mailroom.classify.message_read` reads each class.

Nothing of the corpus is committed: the manifest names each message by repository, commit and path, and the
snapshots are looked for under PURSUIT_MAIL_CORPUS (default /work/.mirror, one `owner+name/repo` git directory per
repository, as the tool library's `fetch` leaves them).
"""

from __future__ import annotations

import csv
import email
import os
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

MANIFEST = Path(__file__).resolve().parent / "manifest.csv"
OUR_MESSAGE_ID = "<corpus-1@pursuit.invalid>"


def mirror_root() -> Path:
    return Path(os.environ.get("PURSUIT_MAIL_CORPUS", "/work/.mirror"))


class Mirror:
    """One repository's git snapshot, read without a work tree."""

    def __init__(self, root: Path, repository: str) -> None:
        self.repository = repository
        base = root / repository.replace("/", "+") / "repo"
        self.git_dir = base / ".git" if (base / ".git").is_dir() else base
        self.commit = self._git("rev-parse", "HEAD").decode().strip() if self.git_dir.is_dir() else ""

    def _git(self, *args: str) -> bytes:
        return subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args], check=True, capture_output=True, timeout=60
        ).stdout

    def files(self, under: str, *, commit: str = "HEAD") -> list[str]:
        return self._git("ls-tree", "-r", "--name-only", commit, "--", under).decode().splitlines()

    def read(self, path: str, *, commit: str = "HEAD") -> bytes:
        return self._git("cat-file", "blob", f"{commit}:{path}")

    def read_many(self, items: list[tuple[str, str]]) -> list[bytes]:
        """Many blobs in one git process: (commit, path) pairs in, their contents out, in order."""
        request = "".join(f"{commit}:{path}\n" for commit, path in items).encode()
        out = subprocess.run(
            ["git", f"--git-dir={self.git_dir}", "cat-file", "--batch"],
            input=request, check=True, capture_output=True, timeout=300,
        ).stdout  # fmt: skip
        blobs, at = [], 0
        for _ in items:
            header_end = out.index(b"\n", at)
            header = out[at:header_end].split()
            if header[-1] == b"missing":
                raise FileNotFoundError(out[at:header_end].decode())
            size = int(header[2])
            blobs.append(out[header_end + 1 : header_end + 1 + size])
            at = header_end + 1 + size + 1
        return blobs


@dataclass(frozen=True)
class Entry:
    repository: str
    commit: str
    path: str
    label: str
    source_label: str
    language: str
    form: str  # "message" (a whole message), "body" (a reply's text) or "html" (a reply's HTML)
    expected_text: str = ""  # what the person wrote, where the source's tests assert it
    split: str = ""  # "held_out": a source the classifier's rules were not written against (build_manifest.py)


def manifest() -> list[Entry]:
    with open(MANIFEST, newline="") as f:
        return [
            Entry(**{k: row.get(k, "") for k in Entry.__dataclass_fields__})  # type: ignore[arg-type]
            for row in csv.DictReader(f)
        ]


def corpus_missing() -> list[str]:
    """The repositories the manifest names that are not in the mirror directory (or not at the named commit)."""
    missing = []
    for repository, commits in _by_repository(manifest()).items():
        mirror = Mirror(mirror_root(), repository)
        if not mirror.commit:
            missing.append(repository)
            continue
        try:
            mirror.read_many([(commit, path) for commit, path in list(commits)[:1]])
        except (FileNotFoundError, subprocess.CalledProcessError):
            missing.append(f"{repository} (at commit {next(iter(commits))[0][:12]})")
    return missing


def _by_repository(entries: list[Entry]) -> dict[str, dict[tuple[str, str], Entry]]:
    grouped: dict[str, dict[tuple[str, str], Entry]] = defaultdict(dict)
    for entry in entries:
        grouped[entry.repository][(entry.commit, entry.path)] = entry
    return grouped


def corpus_messages(entries: list[Entry] | None = None) -> Iterator[tuple[Entry, bytes]]:
    """Each entry with the raw message it stands for. A reply fixture that holds only the text a person wrote is
    put in the envelope of a reply to one of our messages (In-Reply-To ours): the words are the source's."""
    for repository, items in _by_repository(entries if entries is not None else manifest()).items():
        mirror = Mirror(mirror_root(), repository)
        keys = list(items)
        for key, blob in zip(keys, mirror.read_many(keys), strict=True):
            entry = items[key]
            yield entry, blob if entry.form == "message" else _reply_envelope(blob, html=entry.form == "html")


def _reply_envelope(text: bytes, *, html: bool) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "Dana Reyes <dana@customer.example>"
    message["To"] = "Alex Rep <alex@pursuit.example>"
    message["Subject"] = "Re: A question about your rollout"
    message["Date"] = "Tue, 03 Mar 2026 10:15:00 +0000"
    message["Message-ID"] = "<reply-1@customer.example>"
    message["In-Reply-To"] = OUR_MESSAGE_ID
    message["References"] = OUR_MESSAGE_ID
    message.set_content(text.decode("utf-8", errors="replace"), subtype="html" if html else "plain")
    return message.as_bytes()


# What each class must be read as. "reply": a person's reply. The others must never be read as a reply; on top:
# a hard bounce flags the address dead, a soft bounce or a refused sending does not, a feedback report (a recipient
# pressed "spam" or asked out through their provider) is an opt-out, an out-of-office pauses.
CLASSES = {
    "reply": "read as a person's reply",
    "hard_bounce": "flagged as a dead address",
    "soft_bounce": "neither a dead address nor a reply",
    "refused_sending": "neither a dead address nor a reply",
    "out_of_office": "never a reply",
    "feedback_report": "an opt-out (a spam complaint) or, for an authentication report, never a reply",
    "automatic": "neither a reply nor a dead address (a challenge/response or other machine's message)",
}
TARGETS = {
    "reply": 0.98,
    "hard_bounce": 0.95,
    "soft_bounce": 0.80,
    "refused_sending": 0.80,
    "out_of_office": 0.90,
    "feedback_report": 1.0,
    "automatic": 0.90,
}


@dataclass
class ClassScore:
    label: str
    total: int = 0
    right: int = 0
    read_as_reply: int = 0
    raised: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)  # repository:path of each miss

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def right_for(entry: Entry, verdict: str) -> bool:
    from mailroom.classify import Verdict

    if entry.label == "reply":
        return verdict == Verdict.REPLY
    if entry.label == "hard_bounce":
        return verdict == Verdict.BOUNCE
    if entry.label in ("soft_bounce", "refused_sending", "automatic"):
        return verdict not in (Verdict.BOUNCE, Verdict.REPLY, Verdict.UNSUBSCRIBE, Verdict.COMPLAINT)
    if entry.label == "out_of_office":
        return verdict != Verdict.REPLY
    if entry.label == "feedback_report":
        if "auth-failure" in entry.source_label:
            return verdict not in (Verdict.REPLY, Verdict.BOUNCE)
        return verdict in (Verdict.COMPLAINT, Verdict.UNSUBSCRIBE)
    raise ValueError(entry.label)


def corpus_scores(entries: list[Entry] | None = None) -> dict[str, ClassScore]:
    """Every message read by message_read; per class, how many were read as the class requires."""
    from mailroom.classify import message_read

    scores: dict[str, ClassScore] = {label: ClassScore(label) for label in CLASSES}
    for entry, raw in corpus_messages(entries):
        score = scores[entry.label]
        score.total += 1
        try:
            message = email.message_from_bytes(raw, policy=policy.default)
            verdict = str(message_read(message).verdict)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - counted: no message may raise
            score.raised += 1
            score.wrong.append(f"{entry.repository}:{entry.path} raised")
            continue
        score.verdicts[verdict] += 1
        score.read_as_reply += verdict == "reply" and entry.label != "reply"
        if right_for(entry, verdict):
            score.right += 1
        else:
            score.wrong.append(f"{entry.repository}:{entry.path} -> {verdict}")
    return scores


def tuned_entries() -> list[Entry]:
    """The sources the classifier's rules were written against; the targets are held on these."""
    return [e for e in manifest() if e.split != "held_out"]


def held_out_entries() -> list[Entry]:
    """A source the rules were not written against (build_manifest.py): how they do on mail they have not seen."""
    return [e for e in manifest() if e.split == "held_out"]


def _words(text: str) -> str:
    return " ".join(text.split())


def reply_text_score(entries: list[Entry] | None = None) -> ClassScore:
    """The replies whose text the source's tests assert: is what we log as the person's words exactly that (the
    quoted thread, its header in any language and the signature's "Sent from my phone" left out)?"""
    from mailroom.classify import message_read

    score = ClassScore("reply_text")
    chosen = [e for e in (entries if entries is not None else manifest()) if e.expected_text]
    for entry, raw in corpus_messages(chosen):
        score.total += 1
        text = message_read(email.message_from_bytes(raw, policy=policy.default)).text  # type: ignore[arg-type]
        if _words(text) == _words(entry.expected_text):
            score.right += 1
        else:
            score.wrong.append(f"{entry.path}: {_words(text)[-80:]!r}")
    return score
