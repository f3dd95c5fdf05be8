"""The audit chain becomes keyed (HMAC-SHA256) from the next event on; the head is sealed with the key.

Events already stored keep their plain SHA-256 hashes (re-hashing them now would vouch for whatever the
database holds today); ``keyed_from`` records where keying starts and the seal binds it to the key.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models


def _seal(key: bytes, seq: int, head_hash: str, keyed_from: int) -> str:
    # Frozen copy of core.audit.head_seal: a migration must not change meaning when the code does.
    message = f"otcsms-audit-head\n{seq}\n{head_hash}\n{keyed_from}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def key_the_chain(apps, schema_editor):
    head = apps.get_model("core", "AuditChainHead").objects.filter(pk=1).first()
    if head is None:
        return
    head.keyed_from = head.seq + 1
    key = getattr(settings, "AUDIT_KEY", None)
    if not key and head.seq:
        raise ImproperlyConfigured(
            "the audit chain needs its key before this upgrade: run `otcsms init` (it creates "
            "DATA_DIR/audit_key) or set OTCSMS_AUDIT_KEY"
        )
    # An empty chain without a key stays unsealed: its first event seals it.
    head.seal = _seal(key, head.seq, head.hash, head.keyed_from) if key else ""
    head.save(update_fields=["keyed_from", "seal"])


class Migration(migrations.Migration):
    dependencies = [("core", "0002_chain_head")]
    operations = [
        migrations.AddField(
            model_name="auditchainhead", name="keyed_from", field=models.BigIntegerField(default=1)
        ),
        migrations.AddField(
            model_name="auditchainhead", name="seal", field=models.CharField(default="", max_length=64)
        ),
        migrations.RunPython(key_the_chain, migrations.RunPython.noop),
    ]
