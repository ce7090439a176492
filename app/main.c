/* main.c: backprop, the desktop program. Everything is in ui/; this only
 * starts the application. */
#include <locale.h>

#include "bp-application.h"

int
main (int argc, char **argv)
{
  g_autoptr(BpApplication) app = NULL;

  setlocale (LC_ALL, "");
  app = bp_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
