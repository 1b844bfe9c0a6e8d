"""Status lists: IETF Token Status List (:mod:`.token_status_list`) and W3C Bitstring Status List
(:mod:`.bitstring_status_list`). Both decode with bounded inflate (:mod:`._compression`)."""
