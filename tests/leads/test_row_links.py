import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

LINKS = Template(
    "{% load row_links %}{% for pk in ids %}"
    "{% id_url 'lead_detail' pk %} {% id_url 'board_move' pk %};{% endfor %}"
)


def test_id_url_gives_what_the_url_tag_gives_for_every_row() -> None:
    ids = [1, 7, 10, 7_654_321, 123_456_789_012]

    rendered = LINKS.render(Context({"ids": ids}))

    assert rendered == "".join(
        f"{reverse('lead_detail', args=[pk])} {reverse('board_move', args=[pk])};" for pk in ids
    )


def test_id_url_keeps_the_prefix_the_site_is_served_under() -> None:
    set_script_prefix("/crm/")
    try:
        rendered = LINKS.render(Context({"ids": [5]}))
    finally:
        set_script_prefix("/")

    assert rendered == "/crm/leads/5/ /crm/funnel/board/leads/5/move/;"


def test_id_url_refuses_a_route_without_an_id() -> None:
    template = Template("{% load row_links %}{% id_url 'lead_list' 5 %}")

    with pytest.raises(NoReverseMatch, match="lead_list"):
        template.render(Context())
