// Tiles every fa.attention with scf.forall over (Hq, Nq) by (2, 7): two
// query heads per tile (a whole GQA group of 2, or half a group of 4).
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(
      %root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %t, %f = transform.structured.tile_using_forall %a tile_sizes [0, 2, 7]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
