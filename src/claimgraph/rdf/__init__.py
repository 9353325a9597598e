"""RDF below the store: term conversion (:mod:`.terms`), safe parsing of client RDF
(:mod:`.parse`), and query results read and written with the row limit (:mod:`.results`)."""
