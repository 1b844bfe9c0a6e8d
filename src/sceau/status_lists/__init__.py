"""Status lists (Token Status List, Bitstring Status List), credential records and revocation.

Public API: :class:`~sceau.status_lists.service.StatusListService` (``allocate``, ``record``,
``change_status``), :class:`~sceau.status_lists.models.StatusAllocation`.
"""
