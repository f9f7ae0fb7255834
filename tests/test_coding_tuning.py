"""Fine-tuning the interview heads on a study's reviewed turns."""

import numpy as np

from cjm_research.coding.tuning import Targets, code_matrix, fine_tune
from test_coding_heads import small_heads


def test_fine_tuning_bends_the_touchpoint_head_only():
    heads = small_heads()
    # Fine-tuning bends the touchpoint head's feature weights with the words' part held as
    # trained; emotion and valence stay as trained (tuning them on a few dozen reviewed turns
    # lowered both on the example study).
    targets = Targets(
        np.full((1, 2), np.nan), np.ones((1, 1)), np.array([[0.0, 1.0]]), np.ones((1, 1))
    )
    tuned = fine_tune(heads, np.ones((1, 3), dtype=np.float32), targets, ["lovely"])
    assert tuned.text is heads.text
    assert tuned.emotion is heads.emotion and tuned.valence is heads.valence
    before = heads.read(np.ones((1, 3)), ["lovely"])[1][0, 0]
    assert tuned.read(np.ones((1, 3)), ["lovely"])[1][0, 0] > before


def test_code_cells_become_a_matrix_over_the_codes():
    got = code_matrix(["web;app", "", "app"], ("app", "web", "store"))
    np.testing.assert_array_equal(got, [[1, 1, 0], [0, 0, 0], [1, 0, 0]])
