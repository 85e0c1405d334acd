"""Render the emoji-faces training set into gan_core/assets/emoji_faces64.png.

The course trained its DCGAN on emoji faces. We ship them as one committed
sprite sheet so that neither CI nor the app needs the font at run time; this
script is only needed to regenerate the sheet:

    apt-get install -y fonts-noto-color-emoji
    .venv/bin/python scripts/make_emoji_faces.py

Each emoji is drawn in colour on a transparent canvas, cropped to its glyph,
padded to a square, composited on white and resized to 64x64 with Lanczos.
Glyphs the font does not have are skipped, so the count depends on the
font version (Debian bookworm's fonts-noto-color-emoji 2.042 gives 329).
"""

import argparse
import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin, features

FONT_PATH = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
# NotoColorEmoji is a CBDT bitmap font: FreeType only loads its one strike,
# which Pillow selects with size 109; any other size raises "invalid pixel size".
FONT_SIZE = 109
CELL = 64
COLUMNS = 32
OUTPUT = Path(__file__).resolve().parent.parent / "gan_core" / "assets" / "emoji_faces64.png"

SKIN_TONES = [chr(c) for c in range(0x1F3FB, 0x1F400)]  # light .. dark
ZWJ = "\u200d"
VS16 = "\ufe0f"

# Hands alone are not faces; these sit inside the smiley ranges below.
HANDS_WITHOUT_FACE = {0x1F64C, 0x1F64F, *range(0x1F918, 0x1F920)}

# People whose emoji is a head or bust with no hands, so that a skin-tone
# modifier changes the face and nothing else.
PEOPLE = [
    "\U0001f476",  # baby
    "\U0001f9d2",  # child
    "\U0001f466",  # boy
    "\U0001f467",  # girl
    "\U0001f9d1",  # person
    "\U0001f471",  # person: blond hair
    "\U0001f468",  # man
    "\U0001f9d4",  # person: beard
    "\U0001f469",  # woman
    "\U0001f9d3",  # older person
    "\U0001f474",  # old man
    "\U0001f475",  # old woman
    "\U0001f46e",  # police officer
    "\U0001f477",  # construction worker
    "\U0001f482",  # guard
    "\U0001f478",  # princess
    "\U0001f934",  # prince
    "\U0001fac5",  # person with crown
    "\U0001f472",  # person with skullcap
    "\U0001f473",  # person wearing turban
    "\U0001f9d5",  # woman with headscarf
    "\U0001f935",  # person in tuxedo
    "\U0001f470",  # person with veil
    "\U0001f977",  # ninja
]
# Hair styles are ZWJ sequences on person / man / woman.
HAIR = ["\U0001f9b0", "\U0001f9b1", "\U0001f9b3", "\U0001f9b2"]  # red, curly, white, bald
HAIR_BASES = ["\U0001f9d1", "\U0001f468", "\U0001f469"]


def candidate_sequences():
    """Yield every emoji we would like, in sheet order; missing ones are filtered later."""
    smiley_ranges = [range(0x1F600, 0x1F650), range(0x1F910, 0x1F930), range(0x1F970, 0x1F97B)]
    for block in smiley_ranges:
        for cp in block:
            if cp not in HANDS_WITHOUT_FACE:
                yield chr(cp)
    for person in PEOPLE:
        yield person
        for tone in SKIN_TONES:
            yield person + tone
    for base in HAIR_BASES:
        for hair in HAIR:
            yield base + ZWJ + hair
            for tone in SKIN_TONES:
                yield base + tone + ZWJ + hair


def render(font, sequence):
    """Return the emoji as a 64x64 RGB image, or None when the font lacks it.

    A missing code point draws nothing (empty bbox). A missing skin-tone or ZWJ
    ligature falls apart into two or more glyphs side by side, so its advance is
    about twice a single emoji's; both cases are skipped.
    """
    single_advance = font.getlength("\U0001f600")
    if font.getlength(sequence) > 1.5 * single_advance:
        return None
    left, top, right, bottom = font.getbbox(sequence)
    if right - left <= 0 or bottom - top <= 0:
        return None

    margin = 16
    canvas = Image.new("RGBA", (right + 2 * margin, bottom + 2 * margin), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((margin, margin), sequence, font=font, embedded_color=True)
    glyph_box = canvas.getchannel("A").getbbox()
    if glyph_box is None:
        return None
    glyph = canvas.crop(glyph_box)

    # Pad to a square before resizing so wide glyphs keep their aspect ratio.
    side = max(glyph.size)
    square = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    offset = ((side - glyph.width) // 2, (side - glyph.height) // 2)
    square.alpha_composite(glyph, offset)
    return square.convert("RGB").resize((CELL, CELL), Image.Resampling.LANCZOS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", default=FONT_PATH)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    if not Path(args.font).exists():
        sys.exit(f"{args.font} not found: apt-get install -y fonts-noto-color-emoji")
    if not features.check("raqm"):
        # Without libraqm Pillow does no shaping, so every skin-tone and ZWJ
        # sequence would render as separate glyphs and be skipped.
        sys.exit("Pillow was built without libraqm; skin-tone sequences need text shaping")
    font = ImageFont.truetype(args.font, FONT_SIZE, layout_engine=ImageFont.Layout.RAQM)

    tiles, kept, missing = [], [], []
    for sequence in candidate_sequences():
        tile = render(font, sequence)
        if tile is None:
            missing.append(sequence)
        else:
            tiles.append(tile)
            kept.append(sequence)

    rows = math.ceil(len(tiles) / COLUMNS)
    sheet = Image.new("RGB", (COLUMNS * CELL, rows * CELL), (255, 255, 255))
    for index, tile in enumerate(tiles):
        sheet.paste(tile, ((index % COLUMNS) * CELL, (index // COLUMNS) * CELL))

    # The loader reads the count (the last row is padded with white cells) and
    # the code points from these text chunks, so the sheet describes itself.
    info = PngImagePlugin.PngInfo()
    info.add_text("emoji_count", str(len(tiles)))
    info.add_text("emoji_cell", str(CELL))
    info.add_text("emoji_sequences", " ".join("-".join(f"{ord(c):X}" for c in s) for s in kept))
    info.add_text("source", f"Noto Color Emoji ({Path(args.font).name}), size {FONT_SIZE}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.output, optimize=True, pnginfo=info)

    size_kb = args.output.stat().st_size / 1024
    print(f"{len(tiles)} emoji, {len(missing)} missing from the font -> {args.output} ({size_kb:.0f} KiB)")
    if missing:
        print("missing:", " ".join("-".join(f"{ord(c):X}" for c in s) for s in missing))


if __name__ == "__main__":
    main()
