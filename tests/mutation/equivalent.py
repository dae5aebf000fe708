"""mutmut survivors judged equivalent: no test can tell them from the original code.

Keyed by mutmut's mutant name; the names are numbered per function, so an edit to a
function renumbers its mutants: re-check this list after changing a mutated module
(``mutmut show <name>`` prints the diff). "Speed only" means the mutant computes the
same result by a slower road (a cache never hit, a fast path never taken where only
correctness can be observed, a check that encoding is needed skipped).
"""

from __future__ import annotations

_C = "auth0_async._core._cookies."
_K = "auth0_async._core._crypto."
_KC = _K + "x\u01c1CookieCipher\u01c1"  # mutmut's separator for methods: U+01C1
_R = "auth0_async._oidc._redirects."
_I = "auth0_async._oidc._id_token."
_L = "auth0_async._oidc._logout_token."
_CODEC = "codec and error-handler names are case-insensitive"
_MESSAGE = "message text only"
_SUBSUMED = "the decoded-path check catches every leading '//' the encoded one does"
_HOST_TOO = "defence in depth: the _HOST pattern refuses the same authority"
_EMPTY = "'' and None are both falsy where the result is used"

EQUIVALENT: dict[str, str] = {
    # -- _cookies --------------------------------------------------------------------------
    _C + "x__encode_value__mutmut_5": "speed only: quote() leaves safe values unchanged",
    _C + "x__encode_value__mutmut_8": "'ASCII' and 'ascii' name the same codec",
    _C + "x__expires__mutmut_3": "speed only: the Expires cache is never hit",
    _C + "x_set_cookie__mutmut_3": "speed only: encoded values need no escaping (contract)",
    _C
    + "x_plan_chunked_write__mutmut_6": "speed only: an ASCII value's UTF-8 length is its length",
    _C + "x_find_cookie_span__mutmut_13": "str.find(start=None) is str.find(start=0)",
    _C + "x_find_cookie_span__mutmut_18": "rfind and find agree on whether a substring occurs",
    _C + "x_find_cookie_span__mutmut_47": "end is never 0: the value starts after 'name='",
    _C + "x_find_cookie_span__mutmut_48": "end is never 0: the value starts after 'name='",
    _C + "x_find_cookie_span__mutmut_57": "rfind and find agree on whether a substring occurs",
    _C
    + "x_find_cookie_span__mutmut_59": "a match at index 0 is impossible: the search starts later",
    _C
    + "x_find_cookie_span__mutmut_60": "a match at index 0 is impossible: the search starts later",
    _C + "x_find_cookie_span__mutmut_67": "rfind and find agree on whether a substring occurs",
    _C
    + "x_find_cookie_span__mutmut_69": "a match at index 0 is impossible: the search starts later",
    _C
    + "x_find_cookie_span__mutmut_70": "a match at index 0 is impossible: the search starts later",
    # -- _crypto ---------------------------------------------------------------------------
    _K + "x_b64url_decode__mutmut_10": "rfind and find agree: alphabet characters are unique",
    _K + "x_b64url_decode__mutmut_14": _MESSAGE,
    _K + "x_b64url_decode__mutmut_20": _CODEC,
    _K + "x_b64url_decode__mutmut_28": _MESSAGE,
    _K + "x_b64url_encode__mutmut_23": _CODEC,
    _K + "x__derive_key__mutmut_4": "HKDF salt None is HashLen zeros, the same HMAC key as b''",
    _K + "x__derive_key__mutmut_8": "HKDF salt None is HashLen zeros, the same HMAC key as b''",
    _K + "x__derive_key__mutmut_17": _CODEC,
    _KC + "__init____mutmut_5": _MESSAGE,
    _KC + "__init____mutmut_6": _MESSAGE,
    _KC + "__init____mutmut_7": _MESSAGE,
    _KC + "encrypt__mutmut_33": _CODEC,
    _KC + "decrypt__mutmut_30": "speed only: the standard header's text is the same AAD bytes",
    _KC + "decrypt__mutmut_36": _CODEC,
    # -- _oidc/_redirects -------------------------------------------------------------------
    _R + "x__encode__mutmut_11": "space is in every percent-encode set already",
    _R + "x__encode__mutmut_20": _CODEC,
    _R + "x__serialize__mutmut_8": "unquote's errors default is 'replace'",
    _R + "x__serialize__mutmut_10": "unquote's errors default is 'replace'",
    _R + "x__serialize__mutmut_14": _SUBSUMED,
    _R + "x__serialize__mutmut_15": _SUBSUMED,
    _R + "x__serialize__mutmut_17": _SUBSUMED,
    _R + "x__serialize__mutmut_18": _SUBSUMED,
    _R + "x__resolve__mutmut_9": "'scheme:' + '//...' then resolves as '//...': the same path",
    _R + "x__from_authority__mutmut_10": "_normalize_path drops text before the first '/'",
    _R + "x__parse_authority__mutmut_1": _HOST_TOO,
    _R + "x__parse_authority__mutmut_6": _HOST_TOO,
    _R + "x__parse_authority__mutmut_8": _HOST_TOO,
    _R + "x__parse_authority__mutmut_14": _HOST_TOO + " (a second ']' is not a host character)",
    _R
    + "x__parse_authority__mutmut_22": "an authority starting '[' has its ']' at index 1 or later",
    _R
    + "x__parse_authority__mutmut_23": "an authority starting '[' has its ']' at index 1 or later",
    _R + "x__split__mutmut_10": _EMPTY,
    _R + "x__split__mutmut_12": _EMPTY,
    # -- _oidc/_id_token and _oidc/_logout_token -----------------------------------------------
    _I + "x__utf8__mutmut_6": _CODEC,
    _L + "x\u01c1JtiCache\u01c1_purge__mutmut_7": "'return' for 'break' as the loop's last act",
}
