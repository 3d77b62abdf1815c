"""Landing page: news carousel, Learn More dialog, Click to Begin."""

import re

from playwright.sync_api import expect

from .support import (
    BROWSER,
    NEWS_TITLES,
    PHONE,
    assert_no_axe_violations,
    build_portal,
    stop_clock,
)

pytestmark = BROWSER

# Newest first: the last news item created is the first slide.
SLIDES = tuple(reversed(NEWS_TITLES))


def current_title(page):
    return page.locator(".carousel .slide:visible .slide-title")


def test_carousel_shows_one_slide_with_its_image_and_steps(portal_url, page):
    build_portal(carousel_seconds=3)
    stop_clock(page)
    page.goto(portal_url("swim"))

    expect(page.locator(".carousel .slide")).to_have_count(3)
    expect(page.locator(".carousel .slide:visible")).to_have_count(1)
    expect(current_title(page)).to_have_text(SLIDES[0])
    # Its news image fills the slide (the wide crop on a landscape screen), and
    # the live server serves it.
    image = page.locator(".carousel .slide:visible .slide-image")
    expect(image).to_be_visible()
    image_url = image.evaluate("img => img.currentSrc")
    assert ".fill-1600x900." in image_url, image_url
    response = page.request.get(image_url)
    assert response.ok, image_url
    assert response.headers["content-type"] == "image/jpeg"

    page.get_by_role("button", name="Next").click()
    expect(current_title(page)).to_have_text(SLIDES[1])
    expect(page.locator(".carousel .slide:visible")).to_have_count(1)
    page.get_by_role("button", name="Next").click()
    expect(current_title(page)).to_have_text(SLIDES[2])
    page.get_by_role("button", name="Next").click()
    expect(current_title(page)).to_have_text(SLIDES[0])
    page.get_by_role("button", name="Previous").click()
    expect(current_title(page)).to_have_text(SLIDES[2])
    # Stepping by hand stops the rotation; the toggle offers to start it again.
    expect(page.get_by_role("button", name="Play")).to_be_visible()


def test_carousel_advances_by_itself(portal_url, page):
    build_portal(carousel_seconds=3)
    page.goto(portal_url("swim"))
    shown = current_title(page).text_content()
    following = SLIDES[(SLIDES.index(shown) + 1) % len(SLIDES)]
    # Real time: the next slide within one interval (3 s) and some slack.
    expect(current_title(page)).to_have_text(following, timeout=6_000)
    expect(page.get_by_role("button", name="Pause")).to_be_visible()


def test_pause_stops_the_rotation_and_play_resumes_it(portal_url, page):
    build_portal(carousel_seconds=3)
    stop_clock(page)
    page.goto(portal_url("swim"))
    expect(current_title(page)).to_have_text(SLIDES[0])
    page.clock.run_for(3_100)
    expect(current_title(page)).to_have_text(SLIDES[1])

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    expect(page.get_by_role("button", name="Pause")).to_have_count(0)
    page.clock.run_for(30_000)
    expect(current_title(page)).to_have_text(SLIDES[1])

    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.clock.run_for(3_100)
    expect(current_title(page)).to_have_text(SLIDES[2])


def test_carousel_does_not_rotate_for_reduced_motion(portal_url, new_context):
    build_portal(carousel_seconds=3)
    page = new_context(reduced_motion="reduce").new_page()
    stop_clock(page)
    page.goto(portal_url("swim"))
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    page.clock.run_for(30_000)
    expect(current_title(page)).to_have_text(SLIDES[0])


def test_learn_more_opens_the_article_in_a_modal_dialog(portal_url, page):
    build_portal(carousel_seconds=3)
    stop_clock(page)
    landing = portal_url("swim")
    page.goto(landing)
    title = SLIDES[0]
    learn_more = page.get_by_role("link", name=re.compile(rf"^Learn More\W+{title}$"))
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_hidden()

    learn_more.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name=title)).to_be_visible()
    expect(dialog).to_contain_text(f"Summary of {title}")
    expect(dialog).to_contain_text(f"All about {title}.")
    assert dialog.evaluate("d => d.matches(':modal')")
    assert dialog.evaluate("d => d.contains(document.activeElement)")
    assert page.url == landing

    # Reading takes longer than a slide lasts (7 s: two slides' worth, so a
    # rotating carousel would not have come back to this slide).
    page.clock.run_for(7_000)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(learn_more).to_be_focused()
    expect(current_title(page)).to_have_text(title)

    learn_more.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(learn_more).to_be_focused()


def test_click_to_begin_opens_the_dashboard(portal_url, page):
    build_portal(welcome=False)
    page.goto(portal_url("swim"))
    page.get_by_role("link", name="Click to Begin").click()
    expect(page).to_have_url(portal_url("swim", "home/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Swim School")


def test_phone_shows_the_portrait_crop_filling_the_slide(portal_url, new_context, axe):
    build_portal(carousel_seconds=3)
    # Reduced motion keeps the first slide in place (and the real clock runs,
    # which axe needs).
    page = new_context(viewport=PHONE, reduced_motion="reduce").new_page()
    page.goto(portal_url("swim"))
    slide = page.locator(".carousel .slide:visible")
    image = slide.locator(".slide-image")
    expect(image).to_be_visible()
    # The <picture> chose the portrait rendition (cropped around the focal point).
    image_url = image.evaluate("img => img.currentSrc")
    assert ".fill-720x1080." in image_url, image_url
    assert page.request.get(image_url).ok
    assert image.evaluate("img => img.naturalWidth") > 0
    # It covers the whole slide, behind the card, without being stretched.
    box, slide_box = image.bounding_box(), slide.bounding_box()
    assert abs(box["width"] - slide_box["width"]) < 1
    assert abs(box["height"] - slide_box["height"]) < 1
    assert image.evaluate("img => getComputedStyle(img).objectFit") == "cover"
    slide.locator(".slide-card").scroll_into_view_if_needed()
    card = slide.locator(".slide-card").bounding_box()
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.slide-card') !== null",
        [card["x"] + card["width"] / 2, card["y"] + card["height"] / 2],
    )
    assert on_top, "the card is drawn over the image"
    assert_no_axe_violations(axe, page, "landing on a phone")
