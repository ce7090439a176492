/* main.c: backprop, the desktop program. Everything is in ui/; this only
 * starts the application. */
#include <locale.h>

#include "bp-application.h"
#include "bp-bench.h"

int
main (int argc, char **argv)
{
  g_autoptr(BpApplication) app = NULL;

  setlocale (LC_ALL, "");
  app = bp_application_new ();
  bp_bench_add_options (G_APPLICATION (app));
  return g_application_run (G_APPLICATION (app), argc, argv);
}
