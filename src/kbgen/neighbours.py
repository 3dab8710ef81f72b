"""TF-IDF cosine similarity of texts: pair by pair, or as nearest neighbours.

Texts are weighed by scikit-learn's vectorizer (:func:`similarities`), imported only then:
it takes half a second. Texts already cut into terms are weighed the same way
(:meth:`TextScores.of_terms`) without it, in plain Python; NumPy and SciPy (a quarter of a
second to import, and 35 MB) are loaded only when the neighbours sought would take longer
than that in plain Python (:data:`PLAIN_STEPS`).

Never the matrix of all pairs, which would grow with the square of the texts. Up to
:data:`EXACT_PAIRS` scores, :meth:`TextScores.nearest` computes every score it needs, in
blocks of rows; above that it is linear in the number of texts: a text's neighbours are
sought among the texts sharing a word with it that at most :data:`COMMON` of them use
(blocking by shared words), and those candidates are ranked by their exact score.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scipy import sparse

PLAIN_STEPS = 2_000_000
"""Up to this many products of weights (each sought text's terms times the texts holding
each), :meth:`TextScores.nearest` on texts given as terms runs in plain Python: about as
long as importing NumPy and SciPy."""
EXACT_PAIRS = 40_000_000
"""Up to this many scores (rows × texts compared), :meth:`TextScores.nearest` is exact:
about 6,000 topics compared with every other."""
COMMON = 500
"""Above :data:`EXACT_PAIRS`, a word in more than this many of the compared texts proposes
no neighbour: alone it makes two texts barely alike, and it would make the search
quadratic."""
CANDIDATES = 4
"""Above :data:`EXACT_PAIRS`, the candidates ranked by their exact score, per neighbour
wanted: those with the highest scores over the words that propose neighbours."""
_CHUNK = 256
"""Rows :meth:`TextScores.nearest` compares at once: bounds the memory it takes."""


class TextScores:
    """TF-IDF cosine similarity of texts, pair by pair or as nearest neighbours."""

    def __init__(
        self, vectors: sparse.csr_matrix | None, rows: list[dict[int, float]] | None = None
    ) -> None:
        """From TF-IDF vectors of unit length, one row per text (``None``: no text has a
        word, nothing is alike), or from ``rows``, each text's term number → weight, when
        the vectors are None; ``vectors`` is then made only if :meth:`nearest` needs it."""
        self._given = rows
        self._rows: dict[int, dict[int, float]] = dict(enumerate(rows or ()))
        self._vectors = vectors
        self._df = _frequencies(rows or [])

    @classmethod
    def of_texts(cls, texts: list[str], *, idf: bool = True) -> TextScores:
        """Words of two letters or more, English stop words dropped (scikit-learn)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", use_idf=idf)
        try:
            return cls(vectorizer.fit_transform(texts).tocsr())
        except ValueError:  # no word in any text
            return cls(None)

    @classmethod
    def of_terms(cls, texts: Iterable[Iterable[str]]) -> TextScores:
        """Texts given as their terms, weighed as :meth:`of_texts` weighs words: ``1 +
        ln(count)`` times the smoothed inverse document frequency ``1 + ln((1 + n) / (1 +
        df))``, each row scaled to unit length."""
        vocabulary: dict[str, int] = {}
        counted: list[dict[int, int]] = []
        for terms in texts:
            row: dict[int, int] = {}
            for term in terms:
                j = vocabulary.setdefault(term, len(vocabulary))
                row[j] = row.get(j, 0) + 1
            counted.append(row)
        n = len(counted)
        idf = [math.log((1 + n) / (1 + d)) + 1 for d in _frequencies(counted)]
        rows = []
        for row in counted:
            weights = {j: (math.log(c) + 1) * idf[j] for j, c in row.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            rows.append({j: w / norm for j, w in weights.items()})
        return cls(None, rows) if vocabulary else cls(None)

    def _matrix(self) -> sparse.csr_matrix | None:
        """The vectors as a sparse matrix, made from the rows when given those."""
        if self._vectors is None and self._given:
            import numpy as np
            from scipy import sparse

            data = [w for row in self._given for w in row.values()]
            columns = [j for row in self._given for j in row]
            pointers = np.cumsum([0, *(len(row) for row in self._given)])
            shape = (len(self._given), len(self._df))
            self._vectors = sparse.csr_matrix((data, columns, pointers), shape=shape)
        return self._vectors

    def _row(self, i: int) -> dict[int, float]:
        if i not in self._rows:
            v = self._vectors
            start, end = v.indptr[i], v.indptr[i + 1]
            terms, weights = v.indices[start:end].tolist(), v.data[start:end].tolist()
            self._rows[i] = dict(zip(terms, weights, strict=True))
        return self._rows[i]

    def __getitem__(self, pair: tuple[int, int]) -> float:
        if self._vectors is None and not self._given:
            return 0.0
        # A dot product of two short rows: slicing the sparse matrix per pair is far slower.
        a, b = sorted((self._row(pair[0]), self._row(pair[1])), key=len)
        return sum(w * b.get(term, 0.0) for term, w in a.items())

    def nearest(
        self,
        rows: list[int],
        among: list[int],
        k: int,
        *,
        unlike: bool = False,
        exact_pairs: int = EXACT_PAIRS,
    ) -> list[list[tuple[int, float]]]:
        """For each of ``rows``, the ``k`` texts of ``among`` most like it (other than
        itself), best first (equal scores in the order of ``among``), as ``(index,
        score)``; with a score of 0 only if ``unlike``.

        Exact up to ``exact_pairs`` scores; above, among the candidates the module's
        docstring describes (with ``unlike``, the first texts of ``among`` fill a row
        that has too few).
        """
        if (self._vectors is None and not self._given) or not among:
            return [[(j, 0.0) for j in among if j != row][:k] if unlike else [] for row in rows]
        if self._given is not None and self._steps(rows) <= PLAIN_STEPS:
            return self._plain(rows, among, k, unlike)
        self._matrix()
        if len(rows) * len(among) <= exact_pairs:
            return self._exact(rows, among, k, unlike)
        return self._blocked(rows, among, k, unlike)

    def _steps(self, rows: list[int]) -> int:
        """Products of weights :meth:`_plain` would take for ``rows`` at most."""
        df = self._df
        return sum(df[term] for i in rows for term in self._rows[i])

    def _plain(
        self, rows: list[int], among: list[int], k: int, unlike: bool
    ) -> list[list[tuple[int, float]]]:
        """:meth:`_exact`'s results in plain Python, over an inverted index of ``among``."""
        holding: dict[int, list[tuple[int, float]]] = {}
        for position, j in enumerate(among):
            for term, weight in self._rows[j].items():
                holding.setdefault(term, []).append((position, weight))
        found: list[list[tuple[int, float]]] = []
        for row in rows:
            scores: dict[int, float] = {}
            for term, weight in self._rows[row].items():
                for position, other in holding.get(term, ()):
                    scores[position] = scores.get(position, 0.0) + weight * other
            ranked = [(p, s) for p, s in scores.items() if s > 0 and among[p] != row]
            best = heapq.nsmallest(k, ranked, key=lambda ps: (-ps[1], ps[0]))
            if unlike and len(best) < k:
                taken = {p for p, _ in best}
                fill = (p for p, j in enumerate(among) if p not in taken and j != row)
                best += [(p, 0.0) for p in itertools.islice(fill, k - len(best))]
            found.append([(among[p], s) for p, s in best])
        return found

    def _exact(
        self, rows: list[int], among: list[int], k: int, unlike: bool
    ) -> list[list[tuple[int, float]]]:
        import numpy as np

        found: list[list[tuple[int, float]]] = []
        columns = self._vectors[among].T.tocsc()
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            scores = (self._vectors[chunk] @ columns).toarray()
            for i, row in enumerate(chunk):
                order = np.argsort(-scores[i], kind="stable")[: k + 1]
                best = [(among[j], float(scores[i, j])) for j in order if among[j] != row]
                found.append([(j, s) for j, s in best[:k] if s > 0 or unlike])
        return found

    def _blocked(
        self, rows: list[int], among: list[int], k: int, unlike: bool
    ) -> list[list[tuple[int, float]]]:
        import numpy as np
        from scipy import sparse

        vectors = self._vectors
        candidates = vectors[among]
        uses = np.bincount(candidates.indices, minlength=candidates.shape[1])
        keep = sparse.diags((uses <= COMMON).astype(vectors.dtype))
        proposing = (candidates @ keep).tocsr()
        proposing.eliminate_zeros()
        proposing_t = proposing.T.tocsc()
        wanted = CANDIDATES * (k + 1)
        padding = np.arange(min(len(among), k + 1))
        position = {j: p for p, j in enumerate(among)}
        found: list[list[tuple[int, float]]] = []
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            proposed = (vectors[chunk] @ proposing_t).tocsr()
            picked = []
            for i, row in enumerate(chunk):
                lo, hi = proposed.indptr[i], proposed.indptr[i + 1]
                cols, vals = proposed.indices[lo:hi], proposed.data[lo:hi]
                top = cols[np.lexsort((cols, -vals))[:wanted]]
                if unlike:
                    top = np.union1d(top, padding)
                itself = position.get(row)
                picked.append(top[top != itself] if itself is not None else top)
            columns = np.unique(np.concatenate(picked)) if picked else np.array([], int)
            scores = (vectors[chunk] @ candidates[columns].T).toarray()
            where = {c: n for n, c in enumerate(columns.tolist())}
            for i, top in enumerate(picked):
                exact = scores[i, [where[c] for c in top.tolist()]]
                order = np.lexsort((top, -exact))[:k]
                best = [(among[top[o]], float(exact[o])) for o in order]
                found.append([(j, s) for j, s in best if s > 0 or unlike])
        return found


def _frequencies(rows: list[dict[int, int]] | list[dict[int, float]]) -> list[int]:
    """Term number → the number of rows holding it."""
    df = [0] * (1 + max((max(r, default=-1) for r in rows), default=-1))
    for row in rows:
        for term in row:
            df[term] += 1
    return df


def similarities(texts: list[str], *, idf: bool = True) -> TextScores:
    """The TF-IDF cosine of any two of the texts: ``similarities(texts)[a, b]``.

    Without ``idf`` a pair's score depends on those two texts alone: merge decisions use
    that, so that texts added elsewhere never make or undo a merge.
    """
    return TextScores.of_texts(texts, idf=idf)
