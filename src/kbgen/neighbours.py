"""TF-IDF cosine similarity of texts: pair by pair, or as nearest neighbours.

Texts are weighed by scikit-learn's vectorizer (:func:`similarities`), imported only then:
it takes half a second. Texts already cut into terms are weighed the same way
(:meth:`TextScores.of_terms`) without it.

Never the matrix of all pairs, which would grow with the square of the texts. Up to
:data:`EXACT_PAIRS` scores, :meth:`TextScores.nearest` computes every score it needs, in
blocks of rows; above that it is linear in the number of texts: a text's neighbours are
sought among the texts sharing a word with it that at most :data:`COMMON` of them use
(blocking by shared words), and those candidates are ranked by their exact score.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import sparse

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

    def __init__(self, vectors: sparse.csr_matrix | None) -> None:
        """From TF-IDF vectors of unit length, one row per text (``None``: no text has a
        word, nothing is alike)."""
        self._rows: dict[int, dict[int, float]] = {}
        self._vectors = vectors

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
        rows: list[int] = []
        columns: list[int] = []
        counts: list[int] = []
        n = 0
        for n, terms in enumerate(texts, 1):
            row: dict[int, int] = {}
            for term in terms:
                j = vocabulary.setdefault(term, len(vocabulary))
                row[j] = row.get(j, 0) + 1
            rows += [n - 1] * len(row)
            columns += row.keys()
            counts += row.values()
        if not vocabulary:
            return cls(None)
        tf = np.log(np.asarray(counts, dtype=np.float64)) + 1
        vectors = sparse.csr_matrix((tf, (rows, columns)), shape=(n, len(vocabulary)))
        df = np.bincount(vectors.indices, minlength=len(vocabulary))
        vectors = vectors @ sparse.diags(np.log((1 + n) / (1 + df)) + 1)
        norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return cls((sparse.diags(1 / norms) @ vectors).tocsr())

    def _row(self, i: int) -> dict[int, float]:
        if i not in self._rows:
            v = self._vectors
            start, end = v.indptr[i], v.indptr[i + 1]
            terms, weights = v.indices[start:end].tolist(), v.data[start:end].tolist()
            self._rows[i] = dict(zip(terms, weights, strict=True))
        return self._rows[i]

    def __getitem__(self, pair: tuple[int, int]) -> float:
        if self._vectors is None:
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
        if self._vectors is None or not among:
            return [[(j, 0.0) for j in among if j != row][:k] if unlike else [] for row in rows]
        if len(rows) * len(among) <= exact_pairs:
            return self._exact(rows, among, k, unlike)
        return self._blocked(rows, among, k, unlike)

    def _exact(
        self, rows: list[int], among: list[int], k: int, unlike: bool
    ) -> list[list[tuple[int, float]]]:
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


def similarities(texts: list[str], *, idf: bool = True) -> TextScores:
    """The TF-IDF cosine of any two of the texts: ``similarities(texts)[a, b]``.

    Without ``idf`` a pair's score depends on those two texts alone: merge decisions use
    that, so that texts added elsewhere never make or undo a merge.
    """
    return TextScores.of_texts(texts, idf=idf)
