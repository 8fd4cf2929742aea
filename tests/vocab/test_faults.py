"""The vocabulary stage under faults (issue 27): one writer, and a killed run's temp files cleaned."""
import pytest

from videobert.vocab import VocabConfig, build_vocab


def test_a_second_vocabulary_build_into_one_directory_is_refused_at_once(tiny_corpus, tmp_path):
    from videobert.utils.lock import DirectoryLocked, lock_directory

    held = lock_directory(tmp_path / "vocab", "videobert vocab")  # as a running `videobert vocab` holds it
    try:
        with pytest.raises(DirectoryLocked, match=r"vocab is in use by another videobert vocab \(pid .*another --out"):
            build_vocab(tiny_corpus.root, VocabConfig(levels=2, k=4, iters=5), tmp_path / "vocab")
    finally:
        held.release()
    assert not (tmp_path / "vocab" / "vocab.json").exists()


def test_the_temp_files_of_a_killed_run_are_removed_by_the_next(tiny_corpus, tmp_path):
    out = tmp_path / "vocab"
    build_vocab(tiny_corpus.root, VocabConfig(levels=2, k=4, iters=5), out)
    shard = next((out / "tokens").iterdir())
    left = [out / ".vocab.npz.k1ll3d00.tmp", shard / ".video00.npy.k1ll3d01.tmp", out / ".vocab.json.tmp"]
    for p in left:  # as a SIGTERM mid-write leaves them
        p.write_bytes(b"partial")
    build_vocab(tiny_corpus.root, VocabConfig(levels=2, k=4, iters=5), out)  # the re-run resumes
    assert not any(p.exists() for p in left)


def test_a_directory_that_is_not_a_corpus_gets_no_vocabulary_folder(tmp_path):
    from videobert.corpus import CorpusError

    with pytest.raises(CorpusError, match="not a videobert corpus"):
        build_vocab(tmp_path, VocabConfig())
    assert not (tmp_path / "vocab").exists()
