"""Every model, importable from one place (Alembic and the app read metadata from here)."""

from portal.models.accounts import ROLES, AuditLog, Invitation, User
from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.listing import (
    KINDS,
    LISTING_CLASSES,
    READINESS_STEPS,
    STATUSES,
    TARGETS,
    WINDOW_CODES,
    Area,
    ConsultationWindow,
    Event,
    GatheringPlace,
    Listing,
    ListingLanguage,
    ListingTag,
    ListingTarget,
    ListingTranslation,
    MemberOrganisation,
    Salon,
    SupportMenu,
    WindowArea,
)
from portal.models.network import AGE_BANDS, ListingSchedule, NetworkEvent, Offer, ParticipationRequest
from portal.models.search_change import SearchChange
from portal.models.site import SiteSetting

__all__ = [
    "AGE_BANDS",
    "ROLES",
    "AuditLog",
    "Invitation",
    "NetworkEvent",
    "Offer",
    "ParticipationRequest",
    "User",
    "KINDS",
    "LISTING_CLASSES",
    "READINESS_STEPS",
    "STATUSES",
    "SearchChange",
    "TARGETS",
    "WINDOW_CODES",
    "Area",
    "Base",
    "ConsultationWindow",
    "Event",
    "GatheringPlace",
    "Listing",
    "ListingLanguage",
    "ListingSchedule",
    "ListingTag",
    "ListingTarget",
    "ListingTranslation",
    "MemberOrganisation",
    "Salon",
    "SiteSetting",
    "SupportMenu",
    "UTCDateTime",
    "WindowArea",
    "utcnow",
]
