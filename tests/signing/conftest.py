from tests.conftest_pki import *  # noqa: F403
