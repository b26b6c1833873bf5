"""Every change to a listing reaches the search index when the transaction commits, and only then."""

from __future__ import annotations

from portal.extensions import db
from portal.models import utcnow


def found(app, words: str) -> list[int]:
    return [hit.id for hit in app.extensions["search_index"].search(words).hits]


def test_a_new_listing_is_searchable_after_commit(app, create_listing):
    salon = create_listing("salon", name="さくら歌声サロン", summary="みんなで歌います")
    assert found(app, "歌声") == [salon.id]


def test_an_edit_is_searchable_and_the_old_words_are_gone(app, create_listing):
    salon = create_listing("salon", name="さくら歌声サロン")
    salon.name = "さくら手芸サロン"
    db.session.commit()
    assert found(app, "手芸") == [salon.id]
    assert found(app, "歌声") == []


def test_a_retired_listing_leaves_the_index(app, create_listing):
    salon = create_listing("salon", name="さくら歌声サロン")
    salon.retired_at = utcnow()
    db.session.commit()
    assert found(app, "歌声") == []


def test_a_pending_listing_is_not_searchable_until_published(app, create_listing):
    salon = create_listing("salon", name="さくら歌声サロン", status="pending")
    assert found(app, "歌声") == []
    salon.status = "published"
    db.session.commit()
    assert found(app, "歌声") == [salon.id]


def test_a_deleted_listing_leaves_the_index(app, create_listing):
    salon = create_listing("salon", name="さくら歌声サロン")
    db.session.delete(salon)
    db.session.commit()
    assert found(app, "歌声") == []


def test_a_rolled_back_change_never_reaches_the_index(app, create_listing):
    salon = create_listing("salon", name="さくら歌声サロン")
    salon.name = "さくら手芸サロン"
    db.session.flush()
    db.session.rollback()
    assert found(app, "手芸") == []
    assert found(app, "歌声") == [salon.id]


def test_a_new_translation_makes_the_listing_findable_in_that_language(app, create_listing):
    from portal.models import ListingTranslation

    salon = create_listing("salon", name="さくら歌声サロン")
    db.session.add(ListingTranslation(listing_id=salon.id, lang="en", name="Sakura singing salon"))
    db.session.commit()
    assert found(app, "singing") == [salon.id]
