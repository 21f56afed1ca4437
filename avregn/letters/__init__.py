"""Settlement letters (avregningsbrev): one PDF per tenant, and one for the whole settlement.

A settlement is finished when every tenant has a letter that explains their figure (spec §8,
issue 12). The letters show the same result the sheets show: it is calculated again from the
workbook's input (deterministic) and used only when the fingerprint on *Status* proves it
current (``avregn.outputs.load_calculated``).

The letter itself is a Typst template (``templates/avregningsbrev.typ``): the figures arrive
formatted (``avregn.letters.content``), the template only lays them out, so a user can copy it,
change logo, wording and fonts, and point avregn to the copy (``template=``, ``--mal``).
"""

from avregn.letters.writer import (
    DEFAULT_TEMPLATE,
    LetterProgress,
    copy_template,
    write_letters,
)

__all__ = ["DEFAULT_TEMPLATE", "LetterProgress", "copy_template", "write_letters"]
