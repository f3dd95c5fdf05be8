"""A real OpenLDAP server (Debian's slapd) for the directory tests: a temporary folder, an mdb database loaded
with slapadd from LDIF, a CA and a server certificate made here with ``cryptography``, and two listeners on
127.0.0.1 (ldap:// for StartTLS and plain, ldaps://). One per test session.

The users look like Active Directory's: ``sAMAccountName`` and ``userAccountControl`` (defined in a small schema
below with Microsoft's attribute names; OpenLDAP knows neither), groups are ``groupOfNames`` whose ``member`` is
searched the way AD's is.
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BASE = "dc=plant,dc=example"
ADMIN_DN = f"cn=admin,{BASE}"
ADMIN_PASSWORD = "slapd-admin-secret"
SERVICE_DN = f"cn=otcsms-reader,ou=service,{BASE}"
SERVICE_PASSWORD = "reader-secret"
USERS = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")

# Microsoft's attribute names under a private test arc (1.3.6.1.4.1.55555 is nobody's in these tests only).
AD_SCHEMA = """
attributetype ( 1.3.6.1.4.1.55555.1.1 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{256} SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.2 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.2.1 NAME 'adUser' SUP top AUXILIARY
  MUST sAMAccountName MAY userAccountControl )
"""


def slapd_binary() -> str | None:
    return shutil.which("slapd") or ("/usr/sbin/slapd" if Path("/usr/sbin/slapd").exists() else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Slapd:
    folder: Path
    ldap_port: int
    ldaps_port: int
    ca_file: Path
    process: subprocess.Popen[bytes]

    @property
    def ldap_url(self) -> str:
        return f"ldap://127.0.0.1:{self.ldap_port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _certificates(folder: Path) -> tuple[Path, Path, Path, Path]:
    """A CA, a server certificate for 127.0.0.1 signed by it, and a second CA that signed nothing."""
    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def ca(cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256())
        )  # fmt: skip
        return key, cert

    ca_key, ca_cert = ca("otcsms test directory CA")
    _other_key, other_cert = ca("some other CA")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
        # 127.0.0.1 only: reached as "localhost", the server is not the one its certificate names
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    pem = serialization.Encoding.PEM
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key", folder / "other-ca.pem"
    paths[0].write_bytes(ca_cert.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))  # fmt: skip
    paths[2].chmod(0o600)
    paths[3].write_bytes(other_cert.public_bytes(pem))
    return paths


def _config(folder: Path, cert: Path, key: Path, ca: Path) -> str:
    (folder / "ad.schema").write_text(AD_SCHEMA)
    schemas = "\n".join(f"include {SCHEMA_DIR / n}.schema" for n in ("core", "cosine", "inetorgperson"))
    return f"""{schemas}
include {folder / "ad.schema"}
pidfile {folder / "slapd.pid"}
modulepath {MODULE_DIR}
moduleload back_mdb
TLSCACertificateFile {ca}
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}
database mdb
maxsize 16777216
suffix "{BASE}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {folder / "db"}
index objectClass eq
index member eq
index sAMAccountName eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by dn.exact="{SERVICE_DN}" read by self read by * none
"""


def start(folder: Path, ldif: str) -> Slapd:
    binary = slapd_binary()
    assert binary is not None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "db").mkdir()
    ca, cert, key, _other = _certificates(folder)
    conf = folder / "slapd.conf"
    conf.write_text(_config(folder, cert, key, ca))
    (folder / "data.ldif").write_text(ldif)
    slapadd = str(Path(binary).with_name("slapadd"))
    subprocess.run([slapadd, "-q", "-f", str(conf), "-l", str(folder / "data.ldif")], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    for _attempt in range(5):
        ldap_port, ldaps_port = free_port(), free_port()
        urls = f"ldap://127.0.0.1:{ldap_port}/ ldaps://127.0.0.1:{ldaps_port}/"
        # -d 0: stay in the foreground (the test session owns the process), log nothing.
        process = subprocess.Popen([binary, "-f", str(conf), "-h", urls, "-d", "0"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        server = Slapd(folder, ldap_port, ldaps_port, ca, process)
        if _listening(server):
            return server
        server.stop()
    raise RuntimeError(
        f"slapd did not start: {process.stderr.read().decode(errors='replace')[-2000:] if process.stderr else ''}"
    )


def _listening(server: Slapd) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", server.ldap_port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False
