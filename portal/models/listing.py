"""The directory: areas and listings (salons, gathering places, members, menus, events, windows).

One table holds every kind of listing (single-table inheritance): they share nearly every field, are
searched and imported together, and each kind keeps its domain name as a subclass.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow

KINDS = ("salon", "place", "member", "menu", "window", "event")
TARGETS = ("senior", "disability", "child", "poverty", "anyone")
WINDOW_CODES = ("houkatsu", "shogai", "kodomo", "jiritsu", "fukushi_sougou", "hoken", "kokusai")
STATUSES = ("draft", "pending", "published")
# Work-readiness steps a support menu suits (Toyota: social participation → daily life → employment).
READINESS_STEPS = ("social", "daily_life", "employment")


class Area(Base):
    """A district a city organises support by (中学校区 / 地区)."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<Area {self.code}>"


class WindowArea(Base):
    """Which areas a consultation window serves."""

    __tablename__ = "window_area"

    window_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), primary_key=True)


class ListingTarget(Base):
    __tablename__ = "listing_target"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True)
    target: Mapped[str] = mapped_column(String(20), primary_key=True)

    def __init__(self, target: str):
        self.target = target


class ListingTag(Base):
    __tablename__ = "listing_tag"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)

    def __init__(self, tag: str):
        self.tag = tag


class ListingLanguage(Base):
    """A language spoken at the listing (BCP 47)."""

    __tablename__ = "listing_language"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(20), primary_key=True)

    def __init__(self, language: str):
        self.language = language


class ListingTranslation(Base):
    """A listing's text in one other language; the Japanese text stays on the listing."""

    __tablename__ = "listing_translation"
    __table_args__ = (UniqueConstraint("listing_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(20))  # public locale code: en, pt-BR, ja-easy, zh-Hans ...
    name: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[str] = mapped_column(Text, default="")
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="translations")


class Listing(Base):
    """Anything the directory lists. `kind` selects the subclass."""

    __tablename__ = "listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    name_kana: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    hours: Mapped[str] = mapped_column(Text, default="")
    # Owning member organisation (support menus and events; a member may also own places).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    # Consultation windows only.
    window_code: Mapped[str | None] = mapped_column(String(30), index=True)
    # Events only: stored in UTC, shown in Asia/Tokyo.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Support menus only.
    readiness: Mapped[str | None] = mapped_column(String(20))
    capacity: Mapped[int | None] = mapped_column(Integer)
    needs_companion: Mapped[bool] = mapped_column(Boolean, default=False)

    status: Mapped[str] = mapped_column(String(20), default="published", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # last confirmed accurate
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area | None] = relationship(lazy="joined")
    organisation: Mapped[Listing | None] = relationship(
        remote_side=[id], back_populates="offerings", foreign_keys=[organisation_id]
    )
    offerings: Mapped[list[Listing]] = relationship(
        back_populates="organisation", foreign_keys=[organisation_id], passive_deletes=True
    )
    translations: Mapped[list[ListingTranslation]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", passive_deletes=True
    )
    _targets: Mapped[list[ListingTarget]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by=ListingTarget.target
    )
    _tags: Mapped[list[ListingTag]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    _languages: Mapped[list[ListingLanguage]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    served_areas: Mapped[list[Area]] = relationship(secondary="window_area", order_by=Area.code)

    targets: AssociationProxy[list[str]] = association_proxy("_targets", "target")
    tags: AssociationProxy[list[str]] = association_proxy("_tags", "tag")
    languages: AssociationProxy[list[str]] = association_proxy("_languages", "language")

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "listing"}

    @hybrid_property
    def is_public(self) -> bool:
        return self.status == "published" and self.retired_at is None

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls) -> ColumnElement[bool]:
        """In a query: `select(Listing).where(Listing.is_public)` (an alias's too)."""
        return and_(cls.status == "published", cls.retired_at.is_(None))

    def translation(self, lang: str) -> ListingTranslation | None:
        return next((t for t in self.translations if t.lang == lang), None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.name!r}>"


class Salon(Listing):
    """ふれあいサロン / 通いの場."""

    __mapper_args__ = {"polymorphic_identity": "salon"}


class GatheringPlace(Listing):
    """居場所: 子ども食堂, 認知症カフェ, フリースペース ..."""

    __mapper_args__ = {"polymorphic_identity": "place"}


class MemberOrganisation(Listing):
    """A member of the participation-support network."""

    __mapper_args__ = {"polymorphic_identity": "member"}


class SupportMenu(Listing):
    """支援メニュー a member offers: light work, farm work, a quiet room ..."""

    __mapper_args__ = {"polymorphic_identity": "menu"}


class ConsultationWindow(Listing):
    """相談窓口, with its window code and the areas it serves."""

    __mapper_args__ = {"polymorphic_identity": "window"}


class Event(Listing):
    """An event a member organisation holds."""

    __mapper_args__ = {"polymorphic_identity": "event"}


LISTING_CLASSES: dict[str, type[Listing]] = {
    "salon": Salon,
    "place": GatheringPlace,
    "member": MemberOrganisation,
    "menu": SupportMenu,
    "window": ConsultationWindow,
    "event": Event,
}
