"""Author names meet where that is safe: "J. Smith" is John Smith unless a Jane Smith is known too."""
from readnext.records.authors import AuthorSet, parse


def test_names_are_parsed_in_both_orders_and_without_accents():
    assert parse("John Smith") == parse("Smith, John")
    assert parse("Jürgen Müller").family == "muller" and parse("Müller, J.").given == ("j",)
    assert parse("J.-P. Serre").given == ("j",) and parse("Plato") is None


def test_an_initial_meets_the_one_full_name_it_can_be():
    known = AuthorSet([["John Smith", "Alan Turing"], ["J. Smith"]])
    assert known.papers_with("J. Smith") == 2
    assert known.papers_with("John Smith") == 2
    assert known.papers_with("Smith, John Q.") == 2
    assert known.papers_with("Jane Smith") == 0
    assert known.papers_with("A. M. Turing") == 1


def test_an_initial_shared_by_two_people_meets_nobody():
    known = AuthorSet([["John Smith"], ["Jane Smith"]])
    assert known.papers_with("J. Smith") == 0
    assert known.papers_with("John Smith") == 1 and known.papers_with("Jane Smith") == 1
    assert known.shared(["Jane Smith", "John Smith", "Ann Other"]) == 2
