import pytest

from hr_system.signing import SignerInfo, sign_pdf
from tests.pki import P12_PASSPHRASE
from tests.signing.helpers import blank_pdf


@pytest.fixture
def signed_pdf(cast, make_credential) -> bytes:
    """A one-page PDF signed (visibly) with the PKCS#12 test signer, "Nguyễn Văn Ký"."""
    return sign_pdf(
        blank_pdf(),
        credential=make_credential(cast.commune_a),
        secret=P12_PASSPHRASE,
        info=SignerInfo(name="Nguyễn Văn Ký", position="Chủ tịch", agency="UBND phường Mộc Châu"),
        field_name="signer",
        box=(-1, 330, 60, 530, 130),
    )


@pytest.fixture
def trust_test_roots(settings, pki):
    settings.SIGNING_TRUST_ROOTS_DIR = pki.roots_dir
    return pki.roots_dir
