"""
The peer of `npm run bench:peer`: LlamaIndex's IngestionPipeline over the same HTML pages as
missionflow, in one process and not durable, the way its documentation builds one. Each page's
text is read with BeautifulSoup, split by a SentenceSplitter at missionflow's chunk size (measured
in characters, as missionflow measures it), and embedded by a feature-hashing embedder of the same
kind as missionflow's lexical one (signed FNV-1a hashing of words and word pairs, L2-normalised).

Usage: python llamaindex_ingest.py PAGES_DIR PAGE_LIST_FILE CHUNK_SIZE CHUNK_OVERLAP DIMENSIONS
Prints one line of JSON: documents, chunks, seconds (from reading the first page to the last vector).
"""

import json
import math
import re
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup
from llama_index.core import Document
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter

WORD = re.compile(r"[^\W_]+")


def fnv1a(text: str) -> int:
    value = 0x811C9DC5
    for char in text:
        value ^= ord(char)
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


class HashingEmbedding(BaseEmbedding):
    """missionflow's lexical-hash embedding, in Python: no model, vectors from the words alone."""

    dimensions: int = 384

    def _embed(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        words = WORD.findall(text.lower())

        def add(feature: str, weight: float) -> None:
            value = fnv1a(feature)
            sign = -1.0 if value & 0x80000000 else 1.0
            vector[value % self.dimensions] += sign * weight

        for i, word in enumerate(words):
            add(f"w:{word}", 1.0)
            if i + 1 < len(words):
                add(f"p:{word} {words[i + 1]}", 0.5)
        norm = math.sqrt(sum(x * x for x in vector))
        return vector if norm == 0 else [x / norm for x in vector]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._embed(query)


def main() -> None:
    pages_dir, list_file, chunk_size, chunk_overlap, dimensions = sys.argv[1:6]
    pages = Path(list_file).read_text(encoding="utf-8").split()
    started = time.perf_counter()
    documents = []
    for page in pages:
        html = (Path(pages_dir) / page).read_text(encoding="utf-8", errors="replace")
        soup = BeautifulSoup(html, "html.parser")
        title = soup.title.get_text(" ", strip=True) if soup.title else page
        text = soup.get_text(" ", strip=True)
        documents.append(Document(text=text, metadata={"file_name": page, "title": title}))
    pipeline = IngestionPipeline(
        transformations=[
            # Characters as tokens: missionflow's chunk size is in characters.
            SentenceSplitter(
                chunk_size=int(chunk_size),
                chunk_overlap=int(chunk_overlap),
                tokenizer=lambda text: text,
            ),
            HashingEmbedding(dimensions=int(dimensions)),
        ]
    )
    nodes = pipeline.run(documents=documents)
    seconds = time.perf_counter() - started
    print(json.dumps({"documents": len(documents), "chunks": len(nodes), "seconds": seconds}))


if __name__ == "__main__":
    main()
