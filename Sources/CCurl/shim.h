#ifndef FLEXFIN_CCURL_SHIM_H
#define FLEXFIN_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call: one fixed-argument function per argument type used.
static inline CURLcode flexfin_curl_set_long(CURL *handle, CURLoption option, long value) {
  return curl_easy_setopt(handle, option, value);
}
static inline CURLcode flexfin_curl_set_string(CURL *handle, CURLoption option, const char *value) {
  return curl_easy_setopt(handle, option, value);
}
static inline CURLcode flexfin_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
  return curl_easy_setopt(handle, option, value);
}
typedef size_t (*flexfin_curl_write)(char *data, size_t size, size_t count, void *context);
static inline CURLcode flexfin_curl_set_writer(CURL *handle, flexfin_curl_write writer) {
  return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, writer);
}
static inline CURLcode flexfin_curl_response_code(CURL *handle, long *code) {
  return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}
#endif
