/* bp-misclassified.c: the misclassified browser.
 *
 * set_state() collects every test sample whose predicted class differs from
 * its label, sorts them by the probability of the wrong answer (most
 * confident mistakes first) and puts them in a GListStore once; a
 * GtkCustomFilter narrows them by true and predicted class. Rows draw their
 * thumbnail when bound, so only visible rows make an image. It does not
 * evaluate anything: the count is the evaluation's own (n - n_correct).
 */
#include "bp-misclassified.h"

#include "bp-prediction-grid.h"
#include "bp-sample-view.h"
#include "bp-view-util.h"

/* ---- One mistake, as a list item --------------------------------------- */

#define BP_TYPE_MISTAKE (bp_mistake_get_type ())
G_DECLARE_FINAL_TYPE (BpMistake, bp_mistake, BP, MISTAKE, GObject)

struct _BpMistake
{
  GObject parent_instance;
  int     index;        /* into the evaluation */
  int     truth;
  int     predicted;
  float   confidence;   /* probability given to the wrong class */
};

G_DEFINE_FINAL_TYPE (BpMistake, bp_mistake, G_TYPE_OBJECT)

static void bp_mistake_class_init (BpMistakeClass *klass) {}
static void bp_mistake_init (BpMistake *self) {}

/* ---- The browser ------------------------------------------------------- */

struct _BpMisclassified
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel     *count_label;
  BpSampleView *detail;
  GtkBox       *filter_bar;
  GtkListView  *list_view;
  GtkDropDown  *predicted_dropdown;
  AdwStatusPage *status_page;
  GtkStack     *stack;
  GtkDropDown  *true_dropdown;

  /* Owned */
  BpInspectState     *state;
  GListStore         *store;
  GtkCustomFilter    *filter;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
  int                 filter_truth, filter_predicted;
  int                 n_classes;
  gboolean            updating_dropdowns;
};

G_DEFINE_FINAL_TYPE (BpMisclassified, bp_misclassified, GTK_TYPE_WIDGET)

static gboolean
filter_func (gpointer item, gpointer user_data)
{
  BpMisclassified *self = user_data;
  BpMistake *m = item;

  return (self->filter_truth < 0 || m->truth == self->filter_truth)
         && (self->filter_predicted < 0 || m->predicted == self->filter_predicted);
}

static void
update_count (BpMisclassified *self)
{
  g_autofree char *text = NULL;
  guint total = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  if (!self->state || !self->state->test)
    text = g_strdup ("");
  else if (shown == total)
    text = g_strdup_printf ("%u misclassified of %d · test accuracy %.2f %%", total,
                            self->state->test->n, 100.0 * self->state->test->accuracy);
  else
    text = g_strdup_printf ("%u shown · %u misclassified of %d · test accuracy %.2f %%", shown,
                            total, self->state->test->n, 100.0 * self->state->test->accuracy);
  gtk_label_set_text (self->count_label, text);

  if (total > 0 && shown > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else
    {
      if (!self->state || !self->state->test)
        {
          adw_status_page_set_title (self->status_page, "No Mistakes Yet");
          adw_status_page_set_description (self->status_page,
                                           "Misclassified test samples appear here after an epoch.");
        }
      else if (self->state->data->test->task != NN_TASK_CLASSIFICATION)
        {
          adw_status_page_set_title (self->status_page, "Regression");
          adw_status_page_set_description (self->status_page,
                                           "Mistakes are listed for classification datasets; see the Boundary page for predicted against true values.");
        }
      else if (total == 0)
        {
          adw_status_page_set_title (self->status_page, "No Mistakes");
          adw_status_page_set_description (self->status_page,
                                           "Every test sample was classified correctly.");
        }
      else
        {
          adw_status_page_set_title (self->status_page, "None of These");
          adw_status_page_set_description (self->status_page,
                                           "No mistakes match the chosen classes.");
        }
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
}

static void
selection_changed_cb (BpMisclassified *self)
{
  BpMistake *m = gtk_single_selection_get_selected_item (self->selection);

  bp_sample_view_set_sample (self->detail, self->state, m ? m->index : -1);
}

static void
refilter (BpMisclassified *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
  selection_changed_cb (self);
}

static void
dropdown_changed_cb (BpMisclassified *self)
{
  guint t, p;

  if (self->updating_dropdowns)
    return;
  t = gtk_drop_down_get_selected (self->true_dropdown);
  p = gtk_drop_down_get_selected (self->predicted_dropdown);
  self->filter_truth = t == GTK_INVALID_LIST_POSITION || t == 0 ? -1 : (int) t - 1;
  self->filter_predicted = p == GTK_INVALID_LIST_POSITION || p == 0 ? -1 : (int) p - 1;
  refilter (self);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory, GtkListItem *item, BpMisclassified *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *thumb = bp_sample_view_new (TRUE);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_size_request (thumb, 48, 48);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_widget_set_margin_start (box, 6);
  gtk_box_append (GTK_BOX (box), thumb);
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_item_set_child (item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory, GtkListItem *item, BpMisclassified *self)
{
  BpMistake *m = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *thumb = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (thumb);
  char **names = self->state ? self->state->data->class_names : NULL;
  g_autofree char *truth_name = _bp_class_name (names, self->n_classes, m->truth);
  g_autofree char *pred_name = _bp_class_name (names, self->n_classes, m->predicted);
  g_autofree char *truth = g_markup_escape_text (truth_name, -1);
  g_autofree char *pred = g_markup_escape_text (pred_name, -1);
  g_autofree char *markup = NULL;

  markup = g_strdup_printf ("<b>%s</b>  %.0f %%\n<small>true: %s</small>", pred,
                            100.0 * m->confidence, truth);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  bp_sample_view_set_sample (BP_SAMPLE_VIEW (thumb), self->state, m->index);
}

static int
compare_mistakes (gconstpointer a, gconstpointer b)
{
  const BpMistake *x = *(BpMistake **) a, *y = *(BpMistake **) b;

  if (x->confidence != y->confidence)
    return x->confidence > y->confidence ? -1 : 1;
  return x->index - y->index;   /* stable across epochs for ties */
}

static GtkStringList *
class_list (const char *any, char **names, int n_classes)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  gtk_string_list_append (list, any);
  for (int k = 0; k < n_classes; k++)
    {
      g_autofree char *name = _bp_class_name (names, n_classes, k);

      gtk_string_list_append (list, name);
    }
  return list;
}

void
bp_misclassified_set_state (BpMisclassified *self, BpInspectState *state)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  int old_classes = self->n_classes;

  g_return_if_fail (BP_IS_MISCLASSIFIED (self));

  if (state)
    bp_inspect_state_ref (state);
  g_clear_pointer (&self->state, bp_inspect_state_unref);
  self->state = state;
  self->n_classes = 0;

  if (state && state->test && state->data && state->data->test
      && state->data->test->task == NN_TASK_CLASSIFICATION && state->test->predicted)
    {
      NnEvalResult *test = state->test;
      const NnDataset *ds = state->data->test;

      self->n_classes = MAX (ds->n_classes, test->n_outputs);
      for (int i = 0; i < test->n; i++)
        {
          int t = test->labels ? test->labels[i] : ds->labels[test->rows[i]];
          int p = test->predicted[i];
          BpMistake *m;

          if (t == p)
            continue;
          m = g_object_new (BP_TYPE_MISTAKE, NULL);
          m->index = i;
          m->truth = t;
          m->predicted = p;
          m->confidence = p >= 0 && p < test->n_outputs ? test->outputs[(size_t) i * test->n_outputs + p] : 0;
          g_ptr_array_add (items, m);
        }
      g_ptr_array_sort (items, compare_mistakes);
    }

  /* Class lists change only with the dataset; rebuilding them would reset
   * the user's filter every epoch. */
  if (self->n_classes != old_classes)
    {
      g_autoptr (GtkStringList) tl = NULL, pl = NULL;
      char **names = state && state->data ? state->data->class_names : NULL;

      self->updating_dropdowns = TRUE;
      tl = class_list ("Any", names, self->n_classes);
      pl = class_list ("Any", names, self->n_classes);
      gtk_drop_down_set_model (self->true_dropdown, G_LIST_MODEL (tl));
      gtk_drop_down_set_model (self->predicted_dropdown, G_LIST_MODEL (pl));
      gtk_drop_down_set_selected (self->true_dropdown, 0);
      gtk_drop_down_set_selected (self->predicted_dropdown, 0);
      self->filter_truth = self->filter_predicted = -1;
      self->updating_dropdowns = FALSE;
    }

  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items->pdata, items->len);
  gtk_widget_set_sensitive (GTK_WIDGET (self->filter_bar), self->n_classes > 0);
  update_count (self);
  selection_changed_cb (self);
}

void
bp_misclassified_set_filter (BpMisclassified *self, int truth, int predicted)
{
  g_return_if_fail (BP_IS_MISCLASSIFIED (self));

  self->updating_dropdowns = TRUE;
  gtk_drop_down_set_selected (self->true_dropdown, truth >= 0 && truth < self->n_classes ? truth + 1 : 0);
  gtk_drop_down_set_selected (self->predicted_dropdown,
                              predicted >= 0 && predicted < self->n_classes ? predicted + 1 : 0);
  self->updating_dropdowns = FALSE;
  dropdown_changed_cb (self);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0)
    gtk_single_selection_set_selected (self->selection, 0);
}

void
bp_misclassified_get_filter (BpMisclassified *self, int *truth, int *predicted)
{
  if (truth)
    *truth = self->filter_truth;
  if (predicted)
    *predicted = self->filter_predicted;
}

guint
bp_misclassified_get_n_total (BpMisclassified *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->store));
}

guint
bp_misclassified_get_n_shown (BpMisclassified *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
}

int
bp_misclassified_get_shown (BpMisclassified *self, guint position)
{
  g_autoptr (BpMistake) m = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

  return m ? m->index : -1;
}

int
bp_misclassified_get_selected (BpMisclassified *self)
{
  BpMistake *m = gtk_single_selection_get_selected_item (self->selection);

  return m ? m->index : -1;
}

void
bp_misclassified_select (BpMisclassified *self, guint position)
{
  gtk_single_selection_set_selected (self->selection, position);
}

gboolean
bp_misclassified_export_png (BpMisclassified *self, const char *path, GError **error)
{
  g_autoptr (GtkWidget) sheet = g_object_ref_sink (bp_prediction_grid_new ());
  guint n = MIN (bp_misclassified_get_n_shown (self), 64);
  g_autofree int *indices = g_new (int, MAX (n, 1));

  /* The sheet is a prediction grid of the mistakes shown, in list order. */
  for (guint i = 0; i < n; i++)
    indices[i] = bp_misclassified_get_shown (self, i);
  bp_prediction_grid_set_samples (BP_PREDICTION_GRID (sheet), self->state, indices, n,
                                  "No misclassified samples to export.");
  return bp_prediction_grid_export_png (BP_PREDICTION_GRID (sheet), path, 0, 0, error);
}

static void
bp_misclassified_dispose (GObject *object)
{
  BpMisclassified *self = BP_MISCLASSIFIED (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), BP_TYPE_MISCLASSIFIED);
  /* Unbound template children (the tool bar) are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->store);
  g_clear_pointer (&self->state, bp_inspect_state_unref);

  G_OBJECT_CLASS (bp_misclassified_parent_class)->dispose (object);
}

static void
bp_misclassified_class_init (BpMisclassifiedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bp_misclassified_dispose;

  g_type_ensure (BP_TYPE_SAMPLE_VIEW);
  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/backprop/Backprop/bp-misclassified.ui");
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, count_label);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, detail);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, list_view);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, predicted_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, status_page);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, stack);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, true_dropdown);

  gtk_widget_class_set_css_name (widget_class, "bpmisclassified");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
bp_misclassified_init (BpMisclassified *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->filter_truth = self->filter_predicted = -1;
  self->store = g_list_store_new (BP_TYPE_MISTAKE);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                                              GTK_FILTER (self->filter));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  g_signal_connect_swapped (self->selection, "selection-changed",
                            G_CALLBACK (selection_changed_cb), self);
  g_signal_connect_swapped (self->selection, "items-changed", G_CALLBACK (selection_changed_cb),
                            self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_swapped (self->true_dropdown, "notify::selected",
                            G_CALLBACK (dropdown_changed_cb), self);
  g_signal_connect_swapped (self->predicted_dropdown, "notify::selected",
                            G_CALLBACK (dropdown_changed_cb), self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Misclassified test samples", -1);
  update_count (self);
}

GtkWidget *
bp_misclassified_new (void)
{
  return g_object_new (BP_TYPE_MISCLASSIFIED, NULL);
}
