"""Files to import, shared by the importer's tests and the server's import jobs' tests: a snapshot as arXiv
writes it and a small .bib library."""
import json


def snapshot_line(pid, categories, v1, title=None):
    """A line as arXiv's bulk snapshot writes it (categories a string, dates in `versions`)."""
    return json.dumps({
        "id": pid, "submitter": "A. Person", "authors": "A. Person, B. Person (Some University)",
        "title": title or f"Paper {pid} on {categories}", "comments": None, "journal-ref": None, "doi": None,
        "categories": categories, "abstract": f"  An abstract of {pid} about {categories}.\n",
        "versions": [{"version": "v1", "created": v1}], "update_date": "2023-01-01",
        "authors_parsed": [["Person", "A.", ""], ["Person", "B.", ""]]})


SNAPSHOT = [
    snapshot_line("2101.00001", "cs.LG stat.ML", "Mon, 4 Jan 2021 10:00:00 GMT"),
    snapshot_line("2101.00002", "math.AG", "Mon, 4 Jan 2021 11:00:00 GMT"),
    snapshot_line("2102.00003", "hep-ph cs.LG", "Mon, 1 Feb 2021 09:00:00 GMT"),
    "{not json",
    snapshot_line("2103.00004", "cs.CL", "Mon, 1 Mar 2021 09:00:00 GMT"),
    snapshot_line("1912.00005", "cs.CV", "Mon, 2 Dec 2019 09:00:00 GMT"),
    snapshot_line("2104.00006", "math-ph", "Thu, 1 Apr 2021 09:00:00 GMT"),
]

LIBRARY_BIB = r"""
@inproceedings{vaswani2017attention,
  title={Attention is all you need},
  author={Vaswani, Ashish and Shazeer, Noam},
  booktitle={Advances in Neural Information Processing Systems},
  year={2017},
  eprint={1706.03762}, archivePrefix={arXiv}
}
@article{lecun2015deep,
  title={Deep learning},
  author={LeCun, Yann and Bengio, Yoshua and Hinton, Geoffrey},
  journal={Nature}, year={2015},
  doi={10.1038/nature14539}
}
@book{knuth1984texbook,
  author = {Knuth, Donald E.}, title = {The {\TeX}book}, publisher = {Addison-Wesley}, year = {1984}
}
@article{broken, author = {Nobody}, year = {2020}}
"""


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
