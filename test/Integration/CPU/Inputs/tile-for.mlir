// Tiles every fa.attention with scf.for over (B, Hq, Nq) by (1, 1, 5):
// partial tiles of Nq on odd sizes, one query head of a GQA group per tile.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(
      %root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %t, %l:3 = transform.structured.tile_using_for %a tile_sizes [1, 1, 5, 0]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op,
                                  !transform.any_op, !transform.any_op)
    transform.yield
  }
}
