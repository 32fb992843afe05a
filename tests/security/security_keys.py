"""Test keys of eight provider families for the secret-handling tests (D2, D14): imported by name
(`from security_keys import KEY_SAMPLES`), since several test folders have a conftest.py and
`from conftest import` would take whichever was loaded last."""

# keys from eight provider families, built at run time so no literal key sits in the repository
KEY_SAMPLES = {
    "openai": "sk-proj-" + "Q7vX2mLp9RtY4wZk8NbC3dFgHj6KsA1eUo5iTqWr",
    "anthropic": "sk-ant-api03-" + "Zx8Kq2Lm7Np4Rt9Vw3Yb6Cd1Fg5Hj0TestHERE-AbCdEfGhIjKlMnOpQrStUvWxYz012345-AAAA",
    "google": "AIza" + "SyB7x2Kp9Lm4Qr8Tv3Wz6Yc1Df5Gh0Jk2Nq",
    "aws": "AKIA" + "QWERTYUIOPASDFGH",
    "aws_secret": "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY9z",
    "groq": "gsk_" + "a8Kd93LmQp2Zx7Rt5Vw1Yb4Nc6Fh0Jg3Ts8Uo2Ie9Pk",
    "huggingface": "hf_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456",
    "xai": "xai-" + "Zk3Lm8Qp2Rt7Vw4Yb9Nc1Fh6Jg0Ts5Uo3Ie8Pk2Xa7Dd4Ee9Ff1Gg6Hh0Jj5Kk3Ll8Mm",
    "github": "github_pat_" + "11ABCDEFG0" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4y5Z6a7B8c9D0e1F2g3H4i5J6k7L8m9",
}
