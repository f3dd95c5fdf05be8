"""C2 Plant model: zones and conduits (IEC 62443-3-2), assets with their protocol endpoints, and the systems
under consideration that group zones.

Every row belongs to one site. A zone's target security level SL-T is seven columns (FR1..FR7), so
assessments and lists can filter on any foundational requirement, and a database constraint holds each level
to 0-4 whatever writes it. References between rows never cross a site: ``clean()`` says why, and the import
service only ever resolves names within the target site. A row never moves to another site either
(``core.siterules``): its references and its history stay where they were made.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from otcsms.core.models import Audited, SiteOwned, SiteScopedAuditedQuerySet
from otcsms.core.siterules import site_move_problem
from otcsms.iec62443.security_levels import FR_COUNT, SlVector, validate_sl_vector
from otcsms.plant.diagram import sl_t_label
from otcsms.plant.importfiles import (
    ASSET_TYPES,
    CRITICALITIES,
    ZONE_KINDS,
    Endpoint,
    canonical_ip,
    normalise_protocol,
    parse_endpoint,
)

SL_T_FIELDS: tuple[str, ...] = tuple(f"sl_t_{fr}" for fr in range(1, FR_COUNT + 1))
FOUNDATIONAL_REQUIREMENTS: tuple[tuple[str, str], ...] = (
    ("FR1", "Identification and authentication control"),
    ("FR2", "Use control"),
    ("FR3", "System integrity"),
    ("FR4", "Data confidentiality"),
    ("FR5", "Restricted data flow"),
    ("FR6", "Timely response to events"),
    ("FR7", "Resource availability"),
)
MAX_PROTOCOLS = 32
MAX_ZONE_DEPTH = 32


_ZONE_KIND_LABELS = {"dmz": "DMZ"}
ZoneKind = models.TextChoices(  # type: ignore[call-overload]  # functional form: the stubs know the class form
    "ZoneKind",
    [(value.upper(), (value, _ZONE_KIND_LABELS.get(value, value.capitalize()))) for value in ZONE_KINDS],
)


_TYPE_LABELS = {
    "plc": "PLC",
    "rtu": "RTU",
    "ied": "IED",
    "hmi": "HMI",
    "engineering-workstation": "Engineering workstation",
    "data-diode": "Data diode",
    "safety-controller": "Safety controller",
}
# django-stubs type the functional TextChoices API without its list of (name, (value, label)) members.
AssetType = models.TextChoices(  # type: ignore[call-overload]
    "AssetType", [(value, (value, _TYPE_LABELS.get(value, value.capitalize()))) for value in ASSET_TYPES]
)
Criticality = models.TextChoices(  # type: ignore[call-overload]
    "Criticality", [(value, (value, value.capitalize())) for value in CRITICALITIES]
)


class EndpointRole(models.TextChoices):
    SERVER = "server", "Server"
    CLIENT = "client", "Client"
    OUTSTATION = "outstation", "Outstation"
    MASTER = "master", "Master"


def _name_unique_per_site(model: str) -> models.UniqueConstraint:
    # Names compare ignoring case, as the import does: "PLC-101" and "plc-101" are one asset.
    return models.UniqueConstraint(
        Lower("name"),
        "site",
        name=f"{model}_name_unique_per_site",
        violation_error_message=f"{'an' if model[0] in 'aeiou' else 'a'} {model} with this name already exists "
        "at this site",
    )


def _sl_t_field(fr: int) -> models.PositiveSmallIntegerField:
    code, title = FOUNDATIONAL_REQUIREMENTS[fr - 1]
    return models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(4)],
        verbose_name=f"SL-T {code}",
        help_text=f"{title}: target level 0-4.",
    )


def _site_errors(obj: SiteOwned) -> dict[str, str]:
    """The start of a ``clean()`` error dict: the site of a stored row never changes."""
    problem = site_move_problem(type(obj), obj.pk, obj.site_id)
    return {"site": problem} if problem else {}


class Zone(SiteOwned):
    """A security zone (IEC 62443-3-2): assets sharing security requirements, with a target SL vector."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ZoneKind.choices, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        help_text="The zone this one is nested in (same site).",
    )  # fmt: skip
    sl_t_1 = _sl_t_field(1)
    sl_t_2 = _sl_t_field(2)
    sl_t_3 = _sl_t_field(3)
    sl_t_4 = _sl_t_field(4)
    sl_t_5 = _sl_t_field(5)
    sl_t_6 = _sl_t_field(6)
    sl_t_7 = _sl_t_field(7)
    sl_t_reason = models.TextField(
        "reason for the SL-T", blank=True, max_length=2000,
        help_text="Why these levels: the risk assessment and consequences that justify them.",
    )  # fmt: skip
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "zones"
        constraints = [
            _name_unique_per_site("zone"),
            *(
                models.CheckConstraint(condition=Q(**{f"{name}__lte": 4}), name=f"zone_{name}_0_to_4")
                for name in SL_T_FIELDS
            ),
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True for name in SL_T_FIELDS})
                | Q(**{f"{name}__isnull": False for name in SL_T_FIELDS}),
                name="zone_sl_t_all_or_none",
                violation_error_message="SL-T has a level for each of FR1..FR7, or none at all",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sl_t(self) -> SlVector | None:
        """The target levels FR1..FR7, or None when SL-T is not set."""
        levels = [getattr(self, name) for name in SL_T_FIELDS]
        if any(level is None for level in levels):
            return None
        return tuple(levels)

    @sl_t.setter
    def sl_t(self, value: object) -> None:
        """Set SL-T from one level or seven (``2``, ``"1,2,2,3,1,1,2"``, ``[1, 2, ...]``); None clears it."""
        vector = validate_sl_vector(value) if value is not None else (None,) * FR_COUNT
        for name, level in zip(SL_T_FIELDS, vector, strict=True):
            setattr(self, name, level)

    def sl_t_chips(self) -> list[tuple[str, str, int | None]]:
        """(FR code, FR title, level) for each foundational requirement, for display."""
        return [
            (code, title, getattr(self, name))
            for (code, title), name in zip(FOUNDATIONAL_REQUIREMENTS, SL_T_FIELDS, strict=True)
        ]

    def sl_t_label(self) -> str:
        return sl_t_label(self.sl_t)

    def clean(self) -> None:
        errors = _site_errors(self)
        levels = [getattr(self, name) for name in SL_T_FIELDS]
        if any(level is not None for level in levels) and any(level is None for level in levels):
            missing = [code for (code, _), level in zip(FOUNDATIONAL_REQUIREMENTS, levels, strict=True)
                       if level is None]  # fmt: skip
            errors["sl_t_1"] = f"give a level 0-4 for every FR or for none; missing: {', '.join(missing)}"
        if self.parent_id is not None:
            problem = self._parent_problem()
            if problem:
                errors["parent"] = problem
        if errors:
            raise ValidationError(errors)

    def descendant_ids(self) -> list[int]:
        """The ids of the zones nested in this one, at any depth (zones nest at most MAX_ZONE_DEPTH deep)."""
        found: list[int] = []
        seen = {self.pk}
        frontier = [self.pk]
        for _ in range(MAX_ZONE_DEPTH):
            children = Zone.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            frontier = [pk for pk in children if pk not in seen]
            if not frontier:
                break
            seen.update(frontier)
            found += frontier
        return found

    def _parent_problem(self) -> str:
        if self.pk is not None and self.parent_id == self.pk:
            return "a zone cannot be its own parent"
        parent = self.parent
        if self.site_id is not None and parent is not None and parent.site_id != self.site_id:
            return "the parent zone belongs to another site"
        seen = {self.pk} if self.pk is not None else set()
        for _ in range(MAX_ZONE_DEPTH):
            if parent is None:
                return ""
            if parent.pk in seen:
                return f"the parent chain loops back to {self.name!r}"
            seen.add(parent.pk)
            parent = parent.parent
        return f"zones nest at most {MAX_ZONE_DEPTH} levels deep"


class Conduit(SiteOwned):
    """A conduit joins two zones of one site: the protocols it carries and the device that guards it."""

    name = models.CharField(max_length=200)
    zone_a = models.ForeignKey(
        Zone, on_delete=models.PROTECT, related_name="conduits_as_a", verbose_name="zone A"
    )
    zone_b = models.ForeignKey(
        Zone, on_delete=models.PROTECT, related_name="conduits_as_b", verbose_name="zone B"
    )
    protocols = models.JSONField(
        default=list, blank=True, help_text="Protocol names, e.g. modbus-tcp, opc-ua, dnp3."
    )
    security_device = models.CharField(
        max_length=200, blank=True, help_text="The firewall, data diode or gateway guarding the conduit."
    )
    rule_set = models.TextField(
        blank=True, max_length=20000, help_text="The documented rule set: what may cross, in which direction."
    )
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "conduits"
        constraints = [
            _name_unique_per_site("conduit"),
            models.CheckConstraint(
                condition=~Q(zone_a=F("zone_b")),
                name="conduit_joins_two_zones",
                violation_error_message="a conduit joins two different zones",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def protocol_list(self) -> str:
        return ", ".join(self.protocols or ())

    def clean(self) -> None:
        errors = _site_errors(self)
        if self.zone_a_id is not None and self.zone_a_id == self.zone_b_id:
            errors["zone_b"] = "a conduit joins two different zones, not a zone to itself"
        for field in ("zone_a", "zone_b"):
            zone = getattr(self, field) if getattr(self, f"{field}_id") is not None else None
            if zone is not None and self.site_id is not None and zone.site_id != self.site_id:
                errors[field] = f"zone {zone.name!r} belongs to another site"
        try:
            self.protocols = normalised_protocols(self.protocols)
        except ValueError as exc:
            errors["protocols"] = str(exc)
        if errors:
            raise ValidationError(errors)


def normalised_protocols(values: object) -> list[str]:
    """Protocol names in the stored spelling, each once; ValueError naming the first unknown one."""
    if values is None:
        return []
    if not isinstance(values, list | tuple) or not all(isinstance(value, str) for value in values):
        raise ValueError("expected a list of protocol names")
    if len(values) > MAX_PROTOCOLS:
        raise ValueError(f"at most {MAX_PROTOCOLS} protocols")
    found: list[str] = []
    for value in values:
        protocol = normalise_protocol(value.strip())
        if protocol is None:
            raise ValueError(f"unknown protocol {value[:60]!r}")
        if protocol not in found:
            found.append(protocol)
    return found


class Asset(SiteOwned):
    """A device or host of the control system: PLC, RTU, IED, HMI, historian, workstation, network device."""

    name = models.CharField(max_length=200)
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="assets")
    type = models.CharField(max_length=30, choices=AssetType.choices, blank=True)
    vendor = models.CharField(max_length=200, blank=True)
    model = models.CharField(max_length=200, blank=True)
    firmware = models.CharField(max_length=200, blank=True)
    serial = models.CharField("serial number", max_length=200, blank=True)
    criticality = models.CharField(max_length=10, choices=Criticality.choices, blank=True)
    ip = models.CharField("IP address", max_length=45, blank=True)
    mac = models.CharField("MAC address", max_length=17, blank=True)
    profile = models.CharField(
        max_length=200, blank=True, help_text="Device profile, e.g. a Modbus register map."
    )
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "assets"
        constraints = [_name_unique_per_site("asset")]
        indexes = [
            models.Index(fields=["site", "type"], name="plant_asset_site_type"),
            models.Index(fields=["site", "criticality"], name="plant_asset_site_crit"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = _site_errors(self)
        zone = self.zone if self.zone_id is not None else None
        if zone is not None and self.site_id is not None and zone.site_id != self.site_id:
            errors["zone"] = f"zone {zone.name!r} belongs to another site"
        if self.ip:
            try:
                self.ip = canonical_ip(self.ip.strip())
            except ValueError:
                errors["ip"] = f"{self.ip[:60]!r} is not an IPv4 or IPv6 address"
        if self.mac:
            mac = canonical_mac(self.mac)
            if mac is None:
                errors["mac"] = f"{self.mac[:60]!r} is not a MAC address such as aa:bb:cc:dd:ee:ff"
            else:
                self.mac = mac
        if errors:
            raise ValidationError(errors)


def canonical_mac(value: str) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` for any common spelling of a MAC address, or None."""
    digits = value.strip().lower().replace(":", "").replace("-", "").replace(".", "")
    if len(digits) != 12 or any(c not in "0123456789abcdef" for c in digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


_PARAM_ORDER = {"unit": 0, "outstation": 1, "master": 2}


def endpoint_from(protocol: str, host: str, port: int, path: str, params: dict | None) -> Endpoint:
    """The Endpoint of stored columns, its addresses in the canonical order (PostgreSQL's jsonb reorders keys)."""
    ordered = sorted((params or {}).items(), key=lambda item: (_PARAM_ORDER.get(item[0], 9), item[0]))
    return Endpoint(protocol, host, port, path, tuple(ordered))


class ProtocolEndpoint(Audited):
    """A protocol an asset speaks on the network: protocol, host, port, and its role in the exchange."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="endpoints")
    protocol = models.CharField(max_length=40, help_text="e.g. modbus-tcp, dnp3, opc-ua, ethernet-ip.")
    host = models.CharField(max_length=253, help_text="Host name, IPv4 or IPv6 address.")
    port = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(65535)])
    path = models.CharField(max_length=500, blank=True, help_text="OPC UA endpoint path, e.g. /ua.")
    params = models.JSONField(
        default=dict, blank=True, help_text='Protocol addresses, e.g. {"unit": 1} for Modbus.'
    )
    role = models.CharField(max_length=12, choices=EndpointRole.choices, default=EndpointRole.SERVER)

    site_path: ClassVar[str] = "asset__site"
    objects: ClassVar = SiteScopedAuditedQuerySet.as_manager()

    class Meta:
        ordering = ["asset_id", "protocol", "host", "port", "pk"]
        verbose_name = "protocol endpoint"
        verbose_name_plural = "protocol endpoints"
        constraints = [
            models.CheckConstraint(
                condition=Q(port__gte=1, port__lte=65535), name="endpoint_port_1_to_65535"
            ),
        ]

    def __str__(self) -> str:
        return self.uri

    @classmethod
    def site_scope_q(cls, permitted_sites: models.QuerySet[Any, Any]) -> Q:
        return Q(asset__site__in=permitted_sites)

    def audit_site_id(self) -> int | None:
        return self.asset.site_id

    @property
    def endpoint(self) -> Endpoint:
        return endpoint_from(self.protocol, self.host, self.port, self.path, self.params)

    @property
    def uri(self) -> str:
        """The canonical URI (the fields are stored as `parse_endpoint` returns them)."""
        return self.endpoint.uri()

    def set_uri(self, uri: str) -> None:
        """Take protocol, host, port, path and params from an endpoint URI; ValueError says what is wrong."""
        endpoint = parse_endpoint(uri.strip())
        self.protocol, self.host, self.port, self.path = endpoint[:4]
        self.params = dict(endpoint.params)

    def clean(self) -> None:
        try:
            endpoint = canonical_endpoint(self.endpoint)
        except (ValueError, TypeError) as exc:
            raise ValidationError({"host": str(exc)}) from None
        self.protocol, self.host, self.port, self.path = endpoint[:4]
        self.params = dict(endpoint.params)
        if self.asset_id is not None:
            twins = ProtocolEndpoint.objects.filter(
                asset_id=self.asset_id, protocol=self.protocol, host=self.host, port=self.port, path=self.path
            ).exclude(pk=self.pk)
            if any(twin.params == self.params for twin in twins):
                raise ValidationError({"host": f"{self.asset} already has the endpoint {endpoint.uri()}"})


def canonical_endpoint(endpoint: Endpoint) -> Endpoint:
    """The endpoint as `parse_endpoint` reads its URI: normalised protocol, host and parameter order."""
    if not isinstance(endpoint.port, int) or any(not isinstance(v, int) for _, v in endpoint.params):
        raise ValueError("the port and the protocol addresses are whole numbers")
    return parse_endpoint(endpoint.uri())


def default_role(protocol: str) -> str:
    """The role a device usually has on a protocol it is listed with: a DNP3 device is an outstation."""
    return EndpointRole.OUTSTATION if protocol == "dnp3" else EndpointRole.SERVER


class SystemUnderConsideration(SiteOwned):
    """A system under consideration (IEC 62443-3-2 ZCR 1): the zones a risk assessment covers."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    zones = models.ManyToManyField(Zone, through="SystemZone", related_name="systems", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "system under consideration"
        verbose_name_plural = "systems under consideration"
        constraints = [_name_unique_per_site("system")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = _site_errors(self)
        if errors:
            raise ValidationError(errors)


class SystemZone(Audited):
    """A zone belongs to a system under consideration (the membership is audited like any other row)."""

    system = models.ForeignKey(SystemUnderConsideration, on_delete=models.CASCADE, related_name="memberships")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="system_memberships")

    site_path: ClassVar[str] = "system__site"
    objects: ClassVar = SiteScopedAuditedQuerySet.as_manager()

    class Meta:
        ordering = ["system_id", "zone_id"]
        verbose_name = "zone of a system under consideration"
        verbose_name_plural = "zones of systems under consideration"
        constraints = [models.UniqueConstraint(fields=["system", "zone"], name="zone_once_per_system")]

    def __str__(self) -> str:
        return f"zone {self.zone} in {self.system}"

    @classmethod
    def site_scope_q(cls, permitted_sites: models.QuerySet[Any, Any]) -> Q:
        return Q(system__site__in=permitted_sites)

    def audit_site_id(self) -> int | None:
        return self.system.site_id

    def clean(self) -> None:
        if self.zone.site_id != self.system.site_id:
            raise ValidationError({"zone": f"zone {self.zone.name!r} belongs to another site"})
