from tests.model.conftest import tiny_corpus  # noqa: F401  (shared tiny corpus + vocabulary)
