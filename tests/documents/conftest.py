from tests.fees.conftest import fees, traveller  # noqa: F401
