"""mailroom.classify measured on public mail nobody here wrote, each message labelled by its own source
(bench/mail_corpus: the manifest names repository, commit and path; the messages are read from the repositories'
git snapshots). `make bench` reports the same figures per class."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from bench.mail_corpus.corpus import CLASSES, TARGETS, corpus_missing, corpus_scores, manifest, reply_text_score


@pytest.fixture(scope="module")
def scores():
    missing = corpus_missing()
    if missing:
        why = f"the real-world mail corpus is not here ({', '.join(missing)}): see bench/mail_corpus/README.md"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return corpus_scores()


def test_the_manifest_holds_at_least_500_messages_of_every_class_each_with_its_source_and_label():
    entries = manifest()

    assert len(entries) >= 500
    assert set(Counter(e.label for e in entries)) == set(CLASSES)
    assert all(e.repository and len(e.commit) == 40 and e.path and e.source_label for e in entries)
    assert len({e.language for e in entries if e.label == "reply"}) >= 8


def test_no_message_of_the_corpus_raises(scores):
    assert {label: score.raised for label, score in scores.items() if score.raised} == {}


@pytest.mark.parametrize("label", list(CLASSES))
def test_each_class_is_read_as_its_source_says_at_least_as_often_as_its_target(scores, label):
    score = scores[label]

    assert score.total > 0
    assert score.accuracy >= TARGETS[label], f"{label}: {score.right}/{score.total}; missed: {score.wrong[:10]}"


def test_no_hard_bounce_is_read_as_a_reply(scores):
    assert scores["hard_bounce"].read_as_reply == 0, scores["hard_bounce"].wrong


def test_what_a_person_wrote_is_logged_without_the_thread_in_the_replies_whose_text_the_source_asserts(scores):
    score = reply_text_score()

    assert score.total >= 40
    assert score.accuracy >= 0.95, score.wrong
