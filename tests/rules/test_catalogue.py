"""The built-in templates: realistic, complete, and valid as they stand."""

from __future__ import annotations

import pytest

from jifen.rules.catalogue import CATALOGUES, Catalogue
from jifen.rules.models import Item


@pytest.mark.parametrize("catalogue", CATALOGUES.values(), ids=CATALOGUES.keys())
def test_a_catalogue_is_a_whole_rulebook(catalogue: Catalogue) -> None:
    items = [item for category in catalogue.categories for item in category.items]
    codes = [item.code for item in items]
    assert catalogue.item_count == len(items) >= 30
    assert len(set(codes)) == len(codes)
    assert [item.code for item in items if item.kind == Item.Kind.BASE] == ["J01"]
    assert [item.code for item in items if item.kind == Item.Kind.VETO] == ["X01"]
    # Deductions are coded X.., and only a recorder enters them
    assert all(item.code.startswith("X") for item in items if item.points <= 0)
    assert not any(item.self_declarable for item in items if item.points <= 0)
    assert any(item.scope == Item.Scope.PERSON for item in items)
    assert any(item.sensitive for item in items)
    assert [stars for stars, _ in catalogue.star_bands] == [1, 2, 3, 4, 5]


def test_the_two_templates_differ_in_emphasis() -> None:
    general, industry = CATALOGUES["general"], CATALOGUES["industry"]
    assert general.title == "青山县乡村治理积分细则（通用版）"
    assert industry.title == "青山县积分制管理实施细则（产业发展版）"
    industry_items = {
        catalogue.key: len(
            next(c for c in catalogue.categories if c.title == "产业发展 · 勤劳致富").items
        )
        for catalogue in (general, industry)
    }
    assert industry_items == {"general": 4, "industry": 13}
