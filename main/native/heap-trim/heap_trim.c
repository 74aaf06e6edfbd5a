/*
 * Gives the C library's free memory back to the system: malloc_trim(0), which Node does not expose.
 *
 * Why (issue 24): every SSH packet and socket read of a tunnel is a Buffer whose bytes glibc's
 * malloc hands out. After a busy spell they are freed, but glibc returns to the system only the
 * free memory at the top of its main heap; the free memory between the allocations that are still
 * live stays in the process (measured: 27–37 MiB a minute after 256 MiB each way). malloc_trim(0)
 * also releases the free pages in the middle of every arena (madvise), which nothing else does.
 * Called only when the process has been quiet (main/core/session/v8-flags.ts), never on the data
 * path. Written in C against Node-API because the call is one line of C and Node-API's ABI is
 * stable across Node and Electron versions; built on Linux only, where glibc is the allocator.
 */
#include <malloc.h>
#include <node_api.h>

/* trim(): whether glibc released any memory to the system. */
static napi_value Trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, malloc_trim(0) == 1, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"trim", NULL, Trim, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
