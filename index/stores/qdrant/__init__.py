"""The Qdrant store: each library a collection in a Qdrant server that every bot host reads.

``CITEBOT_STORE=qdrant`` with ``CITEBOT_QDRANT_URL`` (a server or cluster) or
``CITEBOT_QDRANT_PATH`` (qdrant-client's embedded local mode: one process, exact search; what
the tests use). The client is the optional extra ``pip install citebot[qdrant]``, imported
only by ``connection`` and only when this store is used.

A library is an **alias** (``<prefix>-shared``, ``<prefix>-<server id>``) naming the
collection of passages of its last build (``<alias>-<time>-<pid>``):

* a point per passage, its id the passage's: named vectors ``passage`` (the title + passage
  vector that FAISS indexes), ``sentences`` (its sentence vectors as one multivector, stored
  as float16 as the FAISS store keeps them, not indexed: they are read for rescoring), and
  ``bm25``, a sparse vector of the passage's terms weighted as BM25 weighs a term in a
  passage, ``tf / (tf + k1 (1 - b + b · length / average length))``, which Qdrant multiplies by
  each term's idf (``Modifier.IDF``): a sparse search is BM25, computed by the server. The
  payload is the passage (text, sentences, place in its article) with its article's
  attribution, so other services can read the collection without citebot.

Beside it, the build's **catalog** (``<collection>-catalog``) holds points without vectors: a
point per article (its attribution, its passage ids, and the pieces it keeps as duplicates of
other articles' passages), a point per term (how many passages hold it, which the rescoring's
idf needs: Qdrant's own is not exposed) and one of library statistics (passages, their total
length, the next free ids, a generation counted up by every change). Apart, so that no search
ever passes over them.

Candidates come from one hybrid query, server-side: the dense and the sparse nearest as two
prefetches, fused (their union), returned with their payloads and vectors. The rescoring,
marked sentence and confidence are the retriever's, as for the FAISS store.

Terms are 32-bit hashes of their text (Qdrant's sparse indices are 32-bit), as Qdrant's own
BM25 does: two terms of the library may share an index, which merges their counts (about one
pair in a library of 100,000 distinct terms, a hundred at a million).

``index build`` writes a new build and switches the alias to it in one request, which Qdrant
applies atomically: a reader resolves the alias once per snapshot and reads that build only,
so it sees the old library or the new one, never a mix; the previous build is kept for
readers still on it, older ones are deleted. ``add`` and ``remove`` change the build in place
(upserts and deletes) and count the generation up; readers notice it at their next
``refresh``. A passage's id is never reused within a build, so what readers cached by id
stays true.

The modules: ``connection`` (the client, its errors), ``points`` (what each point holds),
``builds`` (names, collections, the alias), ``catalog`` (articles, terms, statistics),
``search`` (candidates), ``writing`` (a build, a change) and ``store`` (the store interface).
"""

from index.stores.qdrant.builds import CATALOG, catalog_of
from index.stores.qdrant.connection import connect
from index.stores.qdrant.store import STORE

__all__ = ["CATALOG", "STORE", "catalog_of", "connect"]
