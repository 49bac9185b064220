"""Result codes, mirroring ``ssogate_code`` in ssogate.h number for number.

The numbers are a stable contract: never renumbered, never reused. A test compares this enum with the
C header and with the loaded library's ``ssogate_code_name`` so the two cannot drift apart.
"""

from __future__ import annotations

import enum

__all__ = ["Code"]


class Code(enum.IntEnum):
    """Every result code of the C ABI. 0 is success; failures are grouped by hundreds.

    1-99 usage, 1xx XML and metadata (180-189 are warnings, never raised), 2xx signature, 3xx response
    and assertion conditions, 4xx state stores, 9xx internal.
    """

    OK = 0

    INVALID_ARGUMENT = 1
    OPTIONS_SIZE = 2
    INVALID_URL = 3
    INVALID_SETTING = 4
    CONNECTION_JSON = 5
    CONNECTION_VERSION = 6
    INDEX_OUT_OF_RANGE = 7

    XML_MALFORMED = 100
    XML_DOCTYPE = 101
    INPUT_TOO_LARGE = 102
    XML_LIMITS = 103
    ENCODING_INVALID = 104
    METADATA_NOT_SAML = 110
    METADATA_NO_IDP = 111
    METADATA_NO_SAML2 = 112
    METADATA_NO_SSO_ENDPOINT = 113
    METADATA_NO_SIGNING_CERT = 114
    METADATA_BAD_CERT = 115
    METADATA_WEAK_KEY = 116
    METADATA_EXPIRED = 117
    METADATA_AMBIGUOUS = 118
    METADATA_ENTITY_NOT_FOUND = 119
    METADATA_SIGNATURE_INVALID = 120
    METADATA_UNSIGNED = 121
    METADATA_INVALID = 122

    WARN_CERT_EXPIRED = 180
    WARN_CERT_EXPIRES_SOON = 181
    WARN_CERT_NOT_YET_VALID = 182

    SIGNATURE_MISSING = 200
    SIGNATURE_INVALID = 201
    SIGNATURE_ALGORITHM = 202
    SIGNATURE_REFERENCE = 203
    SIGNATURE_TRANSFORM = 204
    SIGNATURE_PLACEMENT = 205
    SIGNATURE_MALFORMED = 206
    DUPLICATE_ID = 207

    RESPONSE_MALFORMED = 300
    RESPONSE_VERSION = 301
    ISSUE_INSTANT = 302
    DESTINATION_MISMATCH = 303
    ISSUER_MISMATCH = 304
    STATUS_NOT_SUCCESS = 305
    ASSERTION_ENCRYPTED = 306
    ASSERTION_COUNT = 307
    ASSERTION_MALFORMED = 308
    SUBJECT_CONFIRMATION = 309
    RECIPIENT_MISMATCH = 310
    SUBJECT_EXPIRED = 311
    NOT_YET_VALID = 312
    EXPIRED = 313
    AUDIENCE_MISMATCH = 314
    IN_RESPONSE_TO_UNKNOWN = 315
    UNSOLICITED_NOT_ALLOWED = 316
    AUTHN_STATEMENT_MISSING = 317
    NAMEID_FORMAT = 318
    NAMEID_INVALID = 319
    EMAIL_DOMAIN_NOT_ALLOWED = 320
    EMAIL_ATTRIBUTE = 321
    REPLAYED = 322

    STORE_UNAVAILABLE = 400
    STORE_CORRUPT = 401
    STORE_SCHEMA_NEWER = 402
    STORE_CONFLICT = 403
    NOT_FOUND = 404
    STORE_LOCATION = 405

    INTERNAL = 900
    OUT_OF_MEMORY = 901
